//! The definitions every output repeats (the workbook's Method sheet, the HTML report's
//! method section): one list, so they cannot drift apart.

/// (ja, en).
pub(crate) type Bilingual = (&'static str, &'static str);

/// (figure, definition).
pub(crate) const DEFINITIONS: &[(Bilingual, Bilingual)] = &[
        (("設問の平均", "Item mean"), ("有効回答（尺度上の値）の平均。逆転項目は 最小+最大−回答 に変換。標準偏差は n−1、95%信頼区間は t 分布。", "Mean of valid answers (scale points); reverse-keyed items flipped as min + max − answer. SD with n − 1, 95% interval from Student's t.")),
        (("肯定率", "Favourable share"), ("肯定的な回答（既定 4・5）の割合。領域では項目の回答を合算。", "Share of favourable answers (default 4 and 5); for a dimension, pooled over its items' answers.")),
        (("領域スコア", "Dimension score"), ("回答者ごとに回答した項目の平均（既定で半数以上回答した人のみ）、その平均。", "Each respondent's mean of the items they answered (at least half by default); the dimension's figure is the mean of those scores.")),
        (("割合の信頼区間", "Interval of a share"), ("Wilson のスコア区間（連続性補正なし）。", "Wilson score interval without continuity correction.")),
        (("信頼性", "Reliability"), ("Cronbach の α（既定はリストワイズ）、Feldt の95%区間、項目除外時の α。0.7 未満に印。", "Cronbach's alpha (listwise by default), Feldt's 95% interval, alpha if item deleted; flagged below 0.7.")),
        (("主要因", "Key drivers"), ("各領域スコアと指標の相関（Fisher z 区間）と Johnson の相対的重要度（R² に占める割合、ブートストラップ区間）。", "Pearson r of each dimension score with the KPI (Fisher-z interval) and Johnson's relative weights (share of R², bootstrap interval).")),
        (("進捗", "Status"), ("基準値から目標値への直線上の今年度の値と比べて 順調／遅れ／目標達成。", "Against the straight line from baseline to target read at this wave's year: on track, behind or target met.")),
        (("グラフの平均線", "Average line in the chart"), ("各領域の平均値の単純平均（回答者数で重み付けしない）。", "The unweighted mean of the dimension means (not weighted by respondents).")),
        (("グラフ（SVG・PNG）", "Charts (SVG, PNG)"), ("領域別平均（平均線つき）、指標の計画線と実績、複数回答の順位、重要度×満足度、区分別ヒートマップ。公表値のみを描画し、非公表のセルは —。", "Dimension means with the average line, each KPI's plan line and measured waves, ranked multi-select answers, importance × performance, and a heatmap per segment. Only published figures are drawn; withheld cells show —.")),
        (("ヒートマップ", "Heatmap"), ("区分のグループ別の領域平均と全体との差。赤が低く緑が高い。", "Each group's dimension means and their difference from the whole organisation; red low, green high.")),
        (("非公表（—）", "Withheld (—)"), ("回答者が最小グループ人数未満の数値、および他の公表値から逆算されうる数値は非公表。", "Figures with fewer contributors than the minimum group size, and figures that would let such a group be recovered from other published numbers, are withheld.")),
        (("自由記述の語", "Comment terms"), ("形態素解析（vibrato＋IPADIC、辞書がない場合は文字種による区切り）で名詞・動詞・形容詞を原形で数え、ストップワードを除外。語は1記述につき1回だけ数え、記述数が最小値（既定3）未満の語は示さない。", "Nouns, verbs and adjectives in dictionary form (vibrato with IPADIC; without a dictionary, cut where the script changes), stop words removed. A term counts once per comment; terms in fewer comments than the minimum (default 3) are not shown.")),
        (("特徴語", "Keyness"), ("グループの記述とそれ以外の記述で語を含む記述数を比べた対数尤度比 G²（自由度1）、Benjamini–Hochberg 補正 p 値、対数比（log₂）。指標の低い職員（不満側の回答）の記述も同様に比較。", "Log-likelihood G² (1 df) of comments using a term in the group against all other comments, Benjamini–Hochberg adjusted p, and the log₂ ratio. Comments of staff with a low KPI score are compared the same way.")),
        (("共起ネットワーク・分類", "Network and categories"), ("よく使われる語が同じ記述に現れる度合い（Jaccard 係数、NPMI）。分類は分析者の辞書（語・パターン）に該当する記述の割合と Wilson 区間（1記述が複数分類に該当しうる）。", "How often frequent terms appear in the same comments (Jaccard, NPMI). Categories: share of comments matching the analyst's dictionary (terms or patterns), with Wilson intervals; a comment may fall in several.")),
        (("自由記述の非公表", "Withheld comment figures"), ("記述が min_comment_group_size（既定10）未満のグループ、および差し引きで逆算されうるグループの数値は非公表。記述本文は指定時のみ、公表グループ分を氏名・メール・電話番号をマスクして出力。", "Groups with fewer comments than min_comment_group_size (default 10), and groups that could be recovered by subtraction, are withheld. Comment text is exported only when asked, for published groups, with names, e-mail addresses and phone numbers masked.")),
        (("詳細", "More"), ("docs/statistics.md、docs/anonymity.md、docs/free-text.md に全定義と検証方法。", "docs/statistics.md, docs/anonymity.md and docs/free-text.md define every figure and how it is tested.")),
];
