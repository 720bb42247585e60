//! Splitting a comment into words with their dictionary form and part of speech. With IPADIC,
//! vibrato's lattice search (MeCab's model); without it, a labelled fallback that cuts at
//! changes of script and can neither give dictionary forms nor find names.

use std::ops::Range;
use std::path::Path;

use unicode_normalization::UnicodeNormalization;
use vibrato::Tokenizer;

use crate::dictionary::{common_noun_id, system_dictionary, user_lexicon, WORKPLACE_TERMS};
use crate::TextError;

/// The parts of speech the analysis counts; everything else (particles, auxiliaries,
/// symbols, non-independent words) is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pos {
    Noun,
    Verb,
    Adjective,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub surface: String,
    /// Dictionary form (食べ → 食べる); the surface when the dictionary has none.
    pub base: String,
    pub pos: Pos,
    /// Tagged 名詞,固有名詞,人名 by the dictionary: masked in exported comments.
    pub person_name: bool,
    /// Byte range in the analysed text.
    pub range: Range<usize>,
    /// The dictionary's part of speech and its first two subdivisions (名詞, 固有名詞, 人名);
    /// `*` where there is none, and all `*` without a dictionary.
    pub tags: [String; 3],
    /// Not in the dictionary: its tags were guessed from the characters (IPADIC's unk.def).
    pub unknown: bool,
}

impl Token {
    /// A particle, auxiliary verb or symbol: never part of a name.
    pub fn is_function_word(&self) -> bool {
        matches!(self.tags[0].as_str(), "助詞" | "助動詞" | "記号")
    }
}

enum Backend {
    Ipadic(Box<Tokenizer>),
    Scripts,
}

pub struct Analyser {
    backend: Backend,
    /// What the output says about how comments were split.
    pub description: String,
}

impl Analyser {
    /// IPADIC from `dir` (the MeCab source) with the workplace terms and `user_terms` as
    /// nouns (NFKC-normalised like the comments).
    pub fn ipadic(dir: &Path, user_terms: &[String]) -> Result<Self, TextError> {
        // Whether the dictionary came from the cache only changes how long this took, so the
        // description (which the report carries) leaves it out: same inputs, same report.
        let (dictionary, _cached) = system_dictionary(dir)?;
        let mut terms: Vec<String> = WORKPLACE_TERMS
            .iter()
            .map(|t| t.to_string())
            .chain(
                user_terms
                    .iter()
                    .map(|t| t.nfkc().collect::<String>().trim().to_string()),
            )
            .collect();
        terms.sort();
        terms.dedup();
        let lexicon = user_lexicon(&terms, common_noun_id(dir)?)?;
        let dictionary = dictionary
            .reset_user_lexicon_from_reader(Some(lexicon.as_bytes()))
            .map_err(|e| TextError::Build {
                dir: dir.to_path_buf(),
                message: e.to_string(),
            })?;
        Ok(Analyser {
            backend: Backend::Ipadic(Box::new(Tokenizer::new(dictionary))),
            description: format!(
                "vibrato with IPADIC from {} and {} user-dictionary terms",
                dir.display(),
                terms.len()
            ),
        })
    }

    /// The dictionary-free fallback: runs of kanji, katakana or Latin letters and digits are
    /// nouns; hiragana runs are dropped. No dictionary forms, no names.
    pub fn scripts() -> Self {
        Analyser {
            backend: Backend::Scripts,
            description: "no dictionary: words cut where the script changes (kanji, katakana, Latin); no dictionary forms, no name masking".into(),
        }
    }

    /// IPADIC from [`crate::default_ipadic_dir`] when installed, else the fallback and why.
    /// Only a missing dictionary falls back: a damaged one or a bad user term is an error.
    pub fn find(user_terms: &[String]) -> Result<(Self, Option<TextError>), TextError> {
        match Self::ipadic(&crate::default_ipadic_dir(), user_terms) {
            Ok(a) => Ok((a, None)),
            Err(e @ TextError::NoDictionary(_)) => Ok((Self::scripts(), Some(e))),
            Err(e) => Err(e),
        }
    }

    /// Whether names can be found (only with a dictionary).
    pub fn finds_names(&self) -> bool {
        matches!(self.backend, Backend::Ipadic(_))
    }

    pub fn tokens(&self, text: &str) -> Vec<Token> {
        match &self.backend {
            Backend::Ipadic(tokenizer) => {
                let mut worker = tokenizer.new_worker();
                worker.reset_sentence(text);
                worker.tokenize();
                (0..worker.num_tokens())
                    .map(|i| {
                        let t = worker.token(i);
                        let unknown = t.lex_type() == vibrato::dictionary::LexType::Unknown;
                        ipadic_token(t.surface(), t.feature(), t.range_byte(), unknown)
                    })
                    .collect()
            }
            Backend::Scripts => script_runs(text),
        }
    }
}

/// IPADIC features: POS, sub-POS 1–3, conjugation type and form, base form, reading,
/// pronunciation.
fn ipadic_token(surface: &str, feature: &str, range: Range<usize>, unknown: bool) -> Token {
    let f: Vec<&str> = feature.split(',').collect();
    let at = |i: usize| f.get(i).copied().unwrap_or("*");
    let pos = match (at(0), at(1)) {
        // 特殊 is only the stems of そうだ and ようだ; 副詞可能 nouns such as 時間 are counted,
        // their generic ones stopped (`ADVERBIAL_STOP_WORDS`).
        ("名詞", "非自立" | "代名詞" | "数" | "接尾" | "特殊") => Pos::Other,
        ("名詞", _) => Pos::Noun,
        ("動詞", "自立") => Pos::Verb,
        ("形容詞", "自立") => Pos::Adjective,
        _ => Pos::Other,
    };
    let base = match at(6) {
        "*" | "" => surface,
        b => b,
    };
    Token {
        surface: surface.to_string(),
        base: base.to_string(),
        pos,
        person_name: at(0) == "名詞" && at(1) == "固有名詞" && at(2) == "人名",
        range,
        tags: [at(0).to_string(), at(1).to_string(), at(2).to_string()],
        unknown,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Kanji,
    Hiragana,
    Katakana,
    Latin,
    Other,
}

fn script(c: char) -> Script {
    match c as u32 {
        0x3005 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF => Script::Kanji,
        0x3041..=0x309F => Script::Hiragana,
        0x30A0..=0x30FF | 0x31F0..=0x31FF => Script::Katakana,
        _ if c.is_ascii_alphanumeric() => Script::Latin,
        _ => Script::Other,
    }
}

fn script_runs(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut current: Option<Script> = None;
    let mut push = |from: usize, to: usize, s: Option<Script>| {
        let pos = match s {
            Some(Script::Kanji | Script::Katakana | Script::Latin) => Pos::Noun,
            _ => Pos::Other,
        };
        if to > from {
            let surface = text[from..to].to_string();
            out.push(Token {
                base: surface.clone(),
                surface,
                pos,
                person_name: false,
                range: from..to,
                tags: ["*".to_string(), "*".to_string(), "*".to_string()],
                unknown: true,
            });
        }
    };
    for (i, c) in text.char_indices() {
        let s = script(c);
        if current != Some(s) {
            push(start, i, current);
            start = i;
            current = Some(s);
        }
    }
    push(start, text.len(), current);
    out
}
