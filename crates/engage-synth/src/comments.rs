//! Free-text comments for the synthetic respondents, from templates tied to the latent factors:
//! a respondent whose welfare factor is low is more likely to write about 残業 and 休暇, one
//! whose supervisor factor is low about 上司, and so on; bureaus add their own topics (当直 at
//! the fire bureau, 窓口 at the ward offices). Low-KPI respondents write more often. A few
//! comments name a colleague or give a phone number or address, so that masking has something
//! to find. Drawn from their own random stream: adding comments changes no other column.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::content::BUREAUS;

/// Topic sentences per dimension (colleagues, supervisor, growth, reform, welfare, HR system):
/// what someone low on that factor complains about.
const COMPLAINTS: [&[&str]; 6] = [
    &[
        "職場の人間関係が良くないと感じる。",
        "係内のコミュニケーションが少なく、相談しにくい。",
        "職場の雰囲気が悪く、協力し合う体制がない。",
    ],
    &[
        "上司に相談しにくい雰囲気がある。",
        "上司からの指示があいまいで困ることが多い。",
        "管理職にはもっと部下の意見を聞いてほしい。",
        "上司の評価が公平でないと感じる。",
    ],
    &[
        "研修の機会をもっと増やしてほしい。",
        "専門的な研修を受ける時間がない。",
        "キャリアについて相談できる場がほしい。",
        "仕事を通じて成長している実感がない。",
    ],
    &[
        "ペーパーレス化が進まず、紙の資料が多すぎる。",
        "押印や紙の決裁をなくしてほしい。",
        "DXを進めて業務を効率化してほしい。",
        "会議が多く、時間も長い。",
        "前例踏襲が多く、改善の提案が通りにくい。",
        "テレワークをもっと利用しやすくしてほしい。",
    ],
    &[
        "残業が多く、家庭との両立が難しい。",
        "時間外勤務が常態化しているので改善してほしい。",
        "休暇が取りにくい雰囲気がある。",
        "給与や手当が業務量に見合っていない。",
        "業務量が多く、人員が足りない。",
        "繁忙期の残業が多すぎて体調が心配です。",
    ],
    &[
        "人事評価の基準が分かりにくい。",
        "人事異動の希望がなかなか通らない。",
        "異動の周期が短く、専門性が身につかない。",
        "昇任の仕組みが不透明だと感じる。",
    ],
];

/// What someone high on the factors writes.
const PRAISE: &[&str] = &[
    "職場の雰囲気が良く、働きやすいです。",
    "上司や同僚に助けられて仕事ができています。",
    "改革の取組みで仕事が効率化されたと感じる。",
    "研修が充実していて成長を実感している。",
];

/// Topics of particular bureaus (by name) on top of the factor-driven ones.
const BUREAU_TOPICS: &[(&str, &str)] = &[
    ("消防局", "当直勤務明けの負担が大きく、休息が足りない。"),
    ("消防局", "出動が多く、訓練の時間が確保できない。"),
    ("健康福祉局", "相談業務の件数が増えて負担が大きい。"),
    ("病院局", "夜勤が多く、人員の確保をお願いしたい。"),
    ("中央区役所", "窓口が混雑し、市民対応に追われている。"),
    ("東区役所", "窓口が混雑し、市民対応に追われている。"),
    ("西区役所", "窓口の待ち時間が長く、苦情が多い。"),
    ("南区役所", "窓口の待ち時間が長く、苦情が多い。"),
    ("北区役所", "窓口が混雑し、市民対応に追われている。"),
    ("交通局", "運行ダイヤが厳しく、休憩が取りにくい。"),
];

const NON_ANSWERS: &[&str] = &[
    "特になし",
    "特になし。",
    "なし",
    "特にありません。",
    "特にない",
];

/// Colleagues named in a few comments (IPADIC tags these surnames as person names).
const NAMES: &[&str] = &["山田", "佐藤", "鈴木", "田中", "高橋"];
const ROLES: &[&str] = &["係長", "課長", "主査", "さん"];

/// One comment per respondent (empty when they wrote none). `factors` holds each dimension's
/// latent factor per respondent; `kpi` each respondent's KPI answer (1..=5, 0 when missing).
pub fn draw_comments(factors: &[Vec<f32>], bureau: &[u8], kpi: &[u8], seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x05EE_DC04_4E47);
    let n = bureau.len();
    (0..n)
        .map(|row| {
            let f: Vec<f64> = factors.iter().map(|d| f64::from(d[row])).collect();
            let mean = f.iter().sum::<f64>() / f.len() as f64;
            let low_kpi = matches!(kpi[row], 1 | 2);
            let p_write = (0.22 - 0.08 * mean + if low_kpi { 0.12 } else { 0.0 }).clamp(0.08, 0.6);
            if rng.random::<f64>() >= p_write {
                return String::new();
            }
            if rng.random::<f64>() < 0.12 {
                return NON_ANSWERS[rng.random_range(0..NON_ANSWERS.len())].to_string();
            }
            comment(&mut rng, &f, BUREAUS[bureau[row] as usize].0)
        })
        .collect()
}

fn comment(rng: &mut ChaCha8Rng, f: &[f64], bureau: &str) -> String {
    // Topic weights: exp(−1.4 f_d) per dimension, the bureau's own topics, praise when high.
    let mean = f.iter().sum::<f64>() / f.len() as f64;
    let mut weights: Vec<f64> = f.iter().map(|x| (-1.4 * x).exp()).collect();
    let own: Vec<&str> = BUREAU_TOPICS
        .iter()
        .filter(|(b, _)| *b == bureau)
        .map(|(_, t)| *t)
        .collect();
    weights.push(if own.is_empty() { 0.0 } else { 1.5 });
    weights.push((1.2 * mean).exp() * 0.4);
    let sentences = 1 + usize::from(rng.random::<f64>() < 0.45);
    let mut out = String::new();
    let mut used: Vec<&str> = Vec::new();
    for _ in 0..sentences {
        let topic = pick(rng, &weights);
        let pool: &[&str] = match topic {
            t if t < COMPLAINTS.len() => COMPLAINTS[t],
            t if t == COMPLAINTS.len() => &own,
            _ => PRAISE,
        };
        let sentence = pool[rng.random_range(0..pool.len())];
        if !used.contains(&sentence) {
            used.push(sentence);
            out.push_str(sentence);
        }
    }
    let extra: f64 = rng.random();
    if extra < 0.015 {
        let name = NAMES[rng.random_range(0..NAMES.len())];
        let role = ROLES[rng.random_range(0..ROLES.len())];
        out.push_str(&format!("{name}{role}にはいつも助けていただいています。"));
    } else if extra < 0.02 {
        out.push_str("詳しくは内線ではなく096-328-2111まで連絡ください。");
    } else if extra < 0.025 {
        out.push_str("意見は staff.voice@city.example.jp にも送りました。");
    }
    out
}

fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_welfare_writes_about_overtime_more_often() {
        // Two groups of 2,000 respondents differing only in the welfare factor.
        let n = 2000;
        let factors = |welfare: f32| -> Vec<Vec<f32>> {
            (0..6)
                .map(|d| vec![if d == 4 { welfare } else { 0.0 }; n])
                .collect()
        };
        let mention = |comments: &[String]| comments.iter().filter(|c| c.contains("残業")).count();
        let low = draw_comments(&factors(-1.0), &vec![0; n], &vec![3; n], 1);
        let high = draw_comments(&factors(1.0), &vec![0; n], &vec![3; n], 1);
        assert!(
            mention(&low) > 2 * mention(&high),
            "{} vs {}",
            mention(&low),
            mention(&high)
        );
    }
}
