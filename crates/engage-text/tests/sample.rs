//! Segmentation, normalisation and masking against a small hand-checked sample: each expected
//! token list below was written from IPADIC's entries (dictionary form, part of speech) and
//! checked by reading, not produced by the code under test.

use engage_text::mask::{Masked, EMAIL_MASK, NAME_MASK, NUMBER_MASK, PHONE_MASK};
use engage_text::MaskRules;

fn mask_comment(text: &str, a: &Analyser) -> (String, Masked) {
    engage_text::mask::mask_comment(text, a, &MaskRules::default())
}
use engage_text::normalize::{is_non_answer, normalize_comment};
use engage_text::{Analyser, Pos};

/// IPADIC when installed. CI sets ENGAGE_REQUIRE_IPADIC=1 (it installs mecab-ipadic), so there
/// a missing dictionary fails instead of skipping.
fn ipadic() -> Option<Analyser> {
    match Analyser::ipadic(
        &engage_text::default_ipadic_dir(),
        &["市役所改革".to_string()],
    ) {
        Ok(a) => Some(a),
        Err(e) if std::env::var_os("ENGAGE_REQUIRE_IPADIC").is_none() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

fn content(a: &Analyser, text: &str) -> Vec<(String, Pos)> {
    a.tokens(text)
        .into_iter()
        .filter(|t| t.pos != Pos::Other)
        .map(|t| (t.base, t.pos))
        .collect()
}

fn words(list: &[(&str, Pos)]) -> Vec<(String, Pos)> {
    list.iter().map(|(w, p)| (w.to_string(), *p)).collect()
}

#[test]
fn normalisation_folds_widths_and_spaces() {
    assert_eq!(
        normalize_comment("　ＡＢＣ１２３　　ﾃﾚﾜｰｸ\tが\n多い "),
        "ABC123 テレワーク が 多い"
    );
    for nothing in [
        "特になし。",
        "特にありません",
        "なし",
        "ー",
        "。",
        "None",
        "",
        "特に無し！",
        "N/A",
    ] {
        assert!(is_non_answer(&normalize_comment(nothing)), "{nothing}");
    }
    for something in ["特にないが、残業が多い", "なし崩しに残業が増えた", "残業"]
    {
        assert!(!is_non_answer(&normalize_comment(something)), "{something}");
    }
}

#[test]
fn ipadic_gives_dictionary_forms_and_keeps_workplace_terms_whole() {
    let Some(a) = ipadic() else { return };
    use Pos::*;
    let cases: [(&str, &[(&str, Pos)]); 5] = [
        // 多く → 多い (adjective); 使い → 使う; にくい is a non-independent adjective.
        (
            "残業が多くて、テレワークも使いにくい。",
            &[
                ("残業", Noun),
                ("多い", Adjective),
                ("テレワーク", Noun),
                ("使う", Verb),
            ],
        ),
        // し → する; the user-dictionary term 1on1 stays one noun.
        (
            "1on1で課長に相談しにくいです。",
            &[
                ("1on1", Noun),
                ("課長", Noun),
                ("相談", Noun),
                ("する", Verb),
            ],
        ),
        // Without the workplace terms this is ペーパー + レス + 化.
        (
            "ペーパーレス化が進まない",
            &[("ペーパーレス化", Noun), ("進む", Verb)],
        ),
        // ほしい after て is non-independent.
        ("書類を減らしてほしい", &[("書類", Noun), ("減らす", Verb)]),
        // A term the analyst added.
        (
            "市役所改革は大切だ",
            &[("市役所改革", Noun), ("大切", Noun)],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(content(&a, text), words(expected), "{text}");
    }
    // テレワーク is not a name once it is a user term.
    assert!(a.tokens("テレワーク").iter().all(|t| !t.person_name));
}

#[test]
fn names_addresses_and_numbers_are_masked() {
    let Some(a) = ipadic() else { return };
    let (text, masked) = mask_comment(
        "山田課長にtaro.yamada@city.kumamoto.lg.jp か 096-328-2111 まで。佐藤花子さんにも",
        &a,
    );
    assert_eq!(
        text,
        format!("{NAME_MASK}課長に{EMAIL_MASK} か {PHONE_MASK} まで。{NAME_MASK}さんにも")
    );
    assert_eq!(
        masked,
        Masked {
            names: 2,
            emails: 1,
            phones: 1,
            identifiers: 0,
        }
    );
    // A staff number is masked after its label.
    let (out, m) = mask_comment("職員番号12345", &a);
    assert_eq!(out, format!("職員番号{NUMBER_MASK}"));
    assert_eq!(m.identifiers, 1);
    // Amounts, hours and years, and an @ that is not an address, stay.
    for keep in [
        "2023年度の予算は1,234,567円",
        "会議は@会議室で",
        "残業は月45時間",
    ] {
        let (out, m) = mask_comment(keep, &a);
        assert_eq!(out, keep);
        assert_eq!(m, Masked::default());
    }
    let (out, m) = mask_comment("携帯 090 1234 5678 へ", &a);
    assert_eq!(out, format!("携帯 {PHONE_MASK} へ"));
    assert_eq!(m.phones, 1);
}

#[test]
fn without_a_dictionary_words_are_cut_at_script_changes_and_it_says_so() {
    let a = Analyser::scripts();
    assert!(!a.finds_names());
    assert!(a.description.starts_with("no dictionary"));
    assert_eq!(
        content(&a, "残業が多いテレワークDX"),
        words(&[
            ("残業", Pos::Noun),
            ("多", Pos::Noun),
            ("テレワーク", Pos::Noun),
            ("DX", Pos::Noun)
        ])
    );
    // Addresses and numbers are masked even without names.
    let (out, m) = mask_comment("連絡は a@b.jp か 0963282111", &a);
    assert_eq!(out, format!("連絡は {EMAIL_MASK} か {PHONE_MASK}"));
    assert_eq!((m.emails, m.phones, m.names), (1, 1, 0));
}
