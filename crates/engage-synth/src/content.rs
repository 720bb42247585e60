//! What the synthetic Kumamoto survey asks and who answers it: dimensions, item wording
//! (Japanese as a city hall would write it, with English), the 26 bureaus and wards, and the
//! reform questionnaire's options in the plan's published order.

/// A Likert item: id, column header, Japanese, English, reverse-keyed.
pub struct ItemText {
    pub id: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub reverse: bool,
}

const fn item(id: &'static str, ja: &'static str, en: &'static str) -> ItemText {
    ItemText {
        id,
        ja,
        en,
        reverse: false,
    }
}

const fn reversed(id: &'static str, ja: &'static str, en: &'static str) -> ItemText {
    ItemText {
        id,
        ja,
        en,
        reverse: true,
    }
}

pub struct DimensionText {
    pub id: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub items: &'static [ItemText],
    /// Weight of the dimension's own factor in the KPI's latent value: the "driver" strength.
    pub kpi_weight: f64,
}

/// The six published dimensions, in the plan's order.
pub const DIMENSIONS: &[DimensionText] = &[
    DimensionText {
        id: "colleagues",
        ja: "同僚",
        en: "Colleagues",
        kpi_weight: 0.12,
        items: &[
            item(
                "col_1",
                "職場の同僚と良好な関係を築けている",
                "I have good relationships with my colleagues",
            ),
            item(
                "col_2",
                "困ったときに同僚に相談できる",
                "I can turn to colleagues when I am stuck",
            ),
            item(
                "col_3",
                "職場内で協力して仕事を進める雰囲気がある",
                "My workplace works together as a team",
            ),
            item(
                "col_4",
                "同僚から仕事上の刺激や学びを得ている",
                "I learn from my colleagues",
            ),
        ],
    },
    DimensionText {
        id: "supervisor",
        ja: "上司",
        en: "Supervisor",
        kpi_weight: 0.38,
        items: &[
            item(
                "sup_1",
                "上司は適切な指示・助言をしてくれる",
                "My supervisor gives clear instructions and advice",
            ),
            item(
                "sup_2",
                "上司に気軽に相談できる",
                "I can easily consult my supervisor",
            ),
            item(
                "sup_3",
                "上司は私の仕事ぶりを公正に評価している",
                "My supervisor judges my work fairly",
            ),
            item(
                "sup_4",
                "上司は部下の意見に耳を傾けている",
                "My supervisor listens to staff",
            ),
            item(
                "sup_5",
                "上司は部下の成長を支援している",
                "My supervisor supports my development",
            ),
        ],
    },
    DimensionText {
        id: "growth",
        ja: "成長",
        en: "Growth",
        kpi_weight: 0.30,
        items: &[
            item(
                "gro_1",
                "仕事を通じて成長を実感している",
                "I feel I am growing through my work",
            ),
            item(
                "gro_2",
                "能力開発のための研修の機会が十分にある",
                "There is enough training to develop my skills",
            ),
            item(
                "gro_3",
                "自分の能力や適性を仕事に生かせている",
                "My work uses my abilities",
            ),
            item(
                "gro_4",
                "将来のキャリアの見通しを持てている",
                "I can see my future career path",
            ),
        ],
    },
    DimensionText {
        id: "reform",
        ja: "改革・改善",
        en: "Reform & improvement",
        kpi_weight: 0.20,
        items: &[
            item(
                "ref_1",
                "職場で業務改善に取り組む雰囲気がある",
                "My workplace is keen to improve how we work",
            ),
            item(
                "ref_2",
                "新しいやり方を提案しやすい",
                "It is easy to propose new ways of working",
            ),
            item(
                "ref_3",
                "前例にとらわれず仕事を見直している",
                "We review our work without clinging to precedent",
            ),
            item(
                "ref_4",
                "デジタル技術の活用により業務が効率化している",
                "Digital tools have made our work more efficient",
            ),
        ],
    },
    DimensionText {
        id: "welfare",
        ja: "福利厚生",
        en: "Welfare & benefits",
        kpi_weight: 0.15,
        items: &[
            item("wel_1", "休暇を取得しやすい", "It is easy to take leave"),
            item(
                "wel_2",
                "福利厚生の制度に満足している",
                "I am satisfied with the welfare schemes",
            ),
            item(
                "wel_3",
                "職場の執務環境は快適である",
                "My office environment is comfortable",
            ),
            reversed(
                "wel_4",
                "時間外勤務が多く心身の負担を感じる",
                "Overtime weighs on me physically and mentally",
            ),
        ],
    },
    DimensionText {
        id: "hr_system",
        ja: "人事制度",
        en: "HR system",
        kpi_weight: 0.05,
        items: &[
            item(
                "hr_1",
                "人事評価の結果が処遇に適切に反映されている",
                "Appraisal results are reflected fairly in pay and posts",
            ),
            item(
                "hr_2",
                "人事異動は本人の希望や適性を考慮している",
                "Transfers take my wishes and aptitude into account",
            ),
            item("hr_3", "昇任の仕組みは公平である", "Promotion is fair"),
            item(
                "hr_4",
                "給与水準は仕事の内容に見合っている",
                "My pay matches my work",
            ),
            reversed(
                "hr_5",
                "人事評価の基準が分かりにくい",
                "The appraisal criteria are hard to understand",
            ),
        ],
    },
];

pub const KPI_ITEM: ItemText = item(
    "kpi_satisfaction",
    "市役所で働くことに満足している",
    "I am satisfied working at the city hall",
);

pub const MINDSET_ITEM: ItemText = item(
    "reform_mindset",
    "市役所改革により自分の改革意識が変わったと感じる",
    "The city hall reform has changed my mindset about reform",
);

/// Bureaus and wards (局区) with relative sizes; 26 as in the plan.
pub const BUREAUS: &[(&str, f64)] = &[
    ("政策局", 120.0),
    ("総務局", 260.0),
    ("財政局", 150.0),
    ("文化市民局", 210.0),
    ("健康福祉局", 330.0),
    ("こども局", 200.0),
    ("環境局", 230.0),
    ("経済観光局", 110.0),
    ("農水局", 120.0),
    ("都市建設局", 300.0),
    ("消防局", 420.0),
    ("交通局", 60.0),
    ("上下水道局", 250.0),
    ("病院局", 180.0),
    ("教育委員会事務局", 160.0),
    ("議会局", 30.0),
    ("中央区役所", 150.0),
    ("東区役所", 130.0),
    ("西区役所", 100.0),
    ("南区役所", 100.0),
    ("北区役所", 100.0),
    ("会計室", 25.0),
    ("選挙管理委員会事務局", 9.0),
    ("人事委員会事務局", 14.0),
    ("監査事務局", 12.0),
    ("農業委員会事務局", 11.0),
];

/// Section names drawn per bureau (a bureau never repeats one).
pub const SECTION_NAMES: &[&str] = &[
    "総務課",
    "企画課",
    "経理課",
    "管理課",
    "調整課",
    "事業課",
    "計画課",
    "指導課",
    "保全課",
    "施設課",
    "業務課",
    "相談課",
    "推進課",
    "政策課",
    "審査課",
    "監理課",
    "支援課",
    "整備課",
    "第一課",
    "第二課",
];

pub const AGE_BANDS: &[&str] = &["20代以下", "30代", "40代", "50代", "60代以上"];
pub const GRADES: &[&str] = &[
    "主事・技師級",
    "主任級",
    "主査級",
    "課長補佐級",
    "課長級以上",
];
pub const EMPLOYMENT: &[&str] = &["正規職員", "会計年度任用職員", "再任用職員"];
pub const GENDERS: &[&str] = &["男性", "女性", "回答しない"];
pub const SERVICE_YEARS: &[&str] = &["5年未満", "5～9年", "10～19年", "20～29年", "30年以上"];

/// A multi-select option: id, Japanese, English, and how the latent factors move its appeal
/// (pairs of dimension index and weight; negative: those low on the dimension pick it more).
pub struct OptionText {
    pub id: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub drivers: &'static [(usize, f64)],
}

const fn option(
    id: &'static str,
    ja: &'static str,
    en: &'static str,
    drivers: &'static [(usize, f64)],
) -> OptionText {
    OptionText {
        id,
        ja,
        en,
        drivers,
    }
}

// Dimension indices into DIMENSIONS, for the driver tables below.
const COL: usize = 0;
const SUP: usize = 1;
const GRO: usize = 2;
const REF: usize = 3;
const WEL: usize = 4;
const HR: usize = 5;

/// 仕事の課題, in the plan's published rank order.
pub const WORK_ISSUES: &[OptionText] = &[
    option(
        "workload",
        "業務量が多い",
        "Too much work",
        &[(WEL, -0.5), (HR, -0.2)],
    ),
    option(
        "paperless",
        "ペーパーレス化が進まない",
        "Paperless work is not progressing",
        &[(REF, -0.4)],
    ),
    option(
        "digital",
        "デジタル技術の活用が不十分",
        "Digital tools are under-used",
        &[(REF, -0.5)],
    ),
    option(
        "coordination",
        "組織間の連携が図られていない",
        "Poor coordination between units",
        &[(COL, -0.4)],
    ),
    option(
        "division",
        "業務分担が適正化されていない",
        "Work is not fairly divided",
        &[(SUP, -0.4)],
    ),
    option(
        "overtime",
        "残業時間が多い",
        "Too much overtime",
        &[(WEL, -0.8)],
    ),
    option(
        "improvement",
        "業務改善を組織的に考えることができていない",
        "Improvement is not addressed as an organisation",
        &[(REF, -0.6)],
    ),
    option(
        "environment",
        "執務環境が悪い",
        "Poor office environment",
        &[(WEL, -0.5)],
    ),
    option(
        "meetings",
        "会議が多い・効率化されていない",
        "Too many or inefficient meetings",
        &[(REF, -0.2), (SUP, -0.2)],
    ),
    option(
        "covid",
        "コロナ業務で通常業務に支障",
        "COVID duties disrupt regular work",
        &[(WEL, -0.2)],
    ),
    option(
        "dialogue",
        "組織内で対話ができていない",
        "Little dialogue inside the unit",
        &[(COL, -0.6)],
    ),
    option(
        "instructions",
        "上司等からの指示が明確でない",
        "Unclear instructions from supervisors",
        &[(SUP, -0.7)],
    ),
    option(
        "purpose",
        "業務の目的が明確化されていない",
        "Purpose of the work is unclear",
        &[(GRO, -0.4), (SUP, -0.3)],
    ),
    option(
        "consult",
        "上司等へ相談しにくい",
        "Hard to consult supervisors",
        &[(SUP, -0.8)],
    ),
];

/// The exclusive "nothing to report" option added to the work-issue question.
pub const WORK_ISSUES_NONE: OptionText = option("none", "特になし", "Nothing in particular", &[]);

/// 市役所改革の更なる推進のために重要なこと, in the plan's published rank order.
pub const REFORM_PRIORITIES: &[OptionText] = &[
    option(
        "management",
        "所属長・主査のマネジメントスキル向上",
        "Better management skills of heads and leaders",
        &[(SUP, -0.5)],
    ),
    option(
        "training",
        "職員の育成・研修強化",
        "Stronger staff development and training",
        &[(GRO, -0.5)],
    ),
    option(
        "culture",
        "チャレンジを後押しする職場風土づくり",
        "A culture that backs people who try",
        &[(REF, -0.4)],
    ),
    option(
        "manuals",
        "業務マニュアルやフロー作成の徹底",
        "Written manuals and process flows",
        &[(SUP, -0.2)],
    ),
    option(
        "digital",
        "新たなデジタル技術の導入",
        "New digital technology",
        &[(REF, -0.3)],
    ),
    option(
        "time_visibility",
        "業務内容ごとの従事時間の可視化",
        "Visibility of time spent per task",
        &[(WEL, -0.4)],
    ),
    option(
        "good_practice",
        "先進事例の情報共有",
        "Sharing good practice",
        &[(REF, 0.2)],
    ),
    option(
        "recognition",
        "改革への取組を評価する制度の構築",
        "Recognising reform work in evaluations",
        &[(HR, -0.5)],
    ),
    option(
        "silos",
        "セクショナリズム解消",
        "Breaking down silos",
        &[(COL, -0.4)],
    ),
    option(
        "outside_talent",
        "外部人材の活用",
        "Bringing in outside talent",
        &[(GRO, -0.2)],
    ),
    option(
        "success",
        "改革の成功体験を得る機会づくり",
        "Chances to experience reform success",
        &[(REF, 0.2)],
    ),
];
