//! The IPADIC dictionary for vibrato, built from the MeCab source files Debian's
//! `mecab-ipadic` installs (EUC-JP CSV lexicons, matrix.def, char.def, unk.def) and cached,
//! plus the workplace user dictionary. Building takes 1–2 s; the cache reads in ~90 ms.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use vibrato::{Dictionary, SystemDictionaryBuilder};

use crate::TextError;

/// Terms IPADIC splits or mis-tags that staff comments use often; each becomes one noun. (Without
/// it, テレワーク is テレ — tagged as a person's given name — plus ワーク.)
pub const WORKPLACE_TERMS: &[&str] = &[
    "テレワーク",
    "ペーパーレス",
    "ペーパーレス化",
    "1on1",
    "局区",
    "時間外勤務",
    "超過勤務",
    "ワークライフバランス",
    "在宅勤務",
    "フレックスタイム",
    "人事評価",
    "人事異動",
    "会計年度任用職員",
    "働き方改革",
    "ハラスメント",
    "パワハラ",
    "メンタルヘルス",
    "DX",
    "RPA",
    "デジタル化",
    "人間関係",
    "専門性",
    "業務量",
    "市民対応",
];

/// `$ENGAGE_IPADIC_DIR`, else where Debian's mecab-ipadic puts the source.
pub fn default_ipadic_dir() -> PathBuf {
    std::env::var_os("ENGAGE_IPADIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/mecab/dic/ipadic"))
}

fn read(path: &Path) -> Result<Vec<u8>, TextError> {
    std::fs::read(path).map_err(|source| TextError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn euc_jp(path: &Path) -> Result<String, TextError> {
    let bytes = read(path)?;
    let (text, _, bad) = encoding_rs::EUC_JP.decode(&bytes);
    if bad {
        return Err(TextError::Encoding {
            path: path.to_path_buf(),
        });
    }
    Ok(text.into_owned())
}

/// Where built dictionaries are kept: `$ENGAGE_CACHE_DIR`, `$XDG_CACHE_HOME/engage` or
/// `~/.cache/engage`.
fn cache_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("ENGAGE_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("engage"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/engage"))
}

/// The system dictionary of `dir`, from the cache when its sources are unchanged. Returns it
/// and whether it came from the cache.
pub(crate) fn system_dictionary(dir: &Path) -> Result<(Dictionary, bool), TextError> {
    let def = |name: &str| dir.join(name);
    if !def("matrix.def").exists() {
        return Err(TextError::NoDictionary(dir.to_path_buf()));
    }
    let mut csvs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| TextError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    csvs.sort();
    let sources: Vec<PathBuf> = csvs
        .iter()
        .cloned()
        .chain(["matrix.def", "char.def", "unk.def"].map(def))
        .collect();
    let key = sources_key(&sources)?;
    let cached = cache_dir().map(|d| d.join(format!("ipadic-{key}.vibrato")));
    if let Some(bytes) = cached.as_deref().and_then(|p| std::fs::read(p).ok()) {
        if let Ok(d) = Dictionary::read(bytes.as_slice()) {
            return Ok((d, true));
        }
    }
    let mut lexicon = String::new();
    for p in &csvs {
        lexicon.push_str(&euc_jp(p)?);
        if !lexicon.ends_with('\n') {
            lexicon.push('\n');
        }
    }
    let build = |e: vibrato::errors::VibratoError| TextError::Build {
        dir: dir.to_path_buf(),
        message: e.to_string(),
    };
    let dictionary = SystemDictionaryBuilder::from_readers(
        lexicon.as_bytes(),
        euc_jp(&def("matrix.def"))?.as_bytes(),
        euc_jp(&def("char.def"))?.as_bytes(),
        euc_jp(&def("unk.def"))?.as_bytes(),
    )
    .map_err(build)?;
    // The cache only saves time: a folder that cannot be written is not an error.
    if let Some(path) = cached {
        let mut bytes = Vec::new();
        if dictionary.write(&mut bytes).is_ok()
            && path
                .parent()
                .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
        {
            let tmp = path.with_extension("tmp");
            if std::fs::write(&tmp, &bytes).is_ok() {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
    }
    Ok((dictionary, false))
}

/// The cache key of the dictionary's source files: SHA-256 of each one's name, size and
/// modification time, the way build tools tell that a file changed (an edited or reinstalled
/// file has a new modification time). Hashing their 52 MB of content took 70-100 ms of every
/// run with comments. A file system without modification times keys by the content.
fn sources_key(sources: &[PathBuf]) -> Result<String, TextError> {
    let mut hash = Sha256::new();
    hash.update(b"engage ipadic sources: name, size, mtime");
    for p in sources {
        let meta = std::fs::metadata(p).map_err(|source| TextError::Read {
            path: p.clone(),
            source,
        })?;
        hash.update(p.file_name().map(|n| n.as_encoded_bytes()).unwrap_or(b""));
        hash.update(meta.len().to_le_bytes());
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        match modified {
            Some(since_epoch) => hash.update(since_epoch.as_nanos().to_le_bytes()),
            None => hash.update(read(p)?),
        }
    }
    Ok(hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The connection id IPADIC gives common nouns (名詞,一般), read from left-id.def.
pub(crate) fn common_noun_id(dir: &Path) -> Result<u16, TextError> {
    let path = dir.join("left-id.def");
    euc_jp(&path)?
        .lines()
        .find_map(|l| {
            let (id, feature) = l.split_once(' ')?;
            (feature == "名詞,一般,*,*,*,*,*").then(|| id.parse().ok())?
        })
        .ok_or(TextError::Build {
            dir: dir.to_path_buf(),
            message: "left-id.def has no 名詞,一般".into(),
        })
}

/// The user lexicon (vibrato's CSV: surface, left id, right id, cost, features) making each
/// term one common noun. The cost is low enough that the term wins over any split.
pub(crate) fn user_lexicon(terms: &[String], noun_id: u16) -> Result<String, TextError> {
    let mut out = String::new();
    for term in terms {
        if term.is_empty() || term.contains([',', '\n', '"']) {
            return Err(TextError::UserTerm {
                term: term.clone(),
                message: "must be non-empty and contain no comma, quote or line break".into(),
            });
        }
        out.push_str(&format!(
            "{term},{noun_id},{noun_id},-3000,名詞,一般,*,*,*,*,{term},*,*\n"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn touch(path: &Path, content: &str, seconds: u64) {
        std::fs::write(path, content).unwrap();
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(UNIX_EPOCH + Duration::from_secs(seconds))
            .unwrap();
    }

    /// The key stays while the files stay, and moves when one is rewritten (a new
    /// modification time, even with the same size), grows, or is renamed.
    #[test]
    fn the_cache_key_follows_each_sources_name_size_and_modification_time() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("matrix.def"));
        touch(&a, "あ,1", 1_000);
        touch(&b, "1 1", 1_000);
        let sources = vec![a.clone(), b.clone()];
        let key = sources_key(&sources).unwrap();
        assert_eq!(key.len(), 16);
        assert_eq!(sources_key(&sources).unwrap(), key);
        touch(&a, "い,1", 2_000);
        let rewritten = sources_key(&sources).unwrap();
        assert_ne!(rewritten, key);
        touch(&a, "い,1", 1_000);
        // Same size and time as at first, other content: the limit of the rule, by design.
        assert_eq!(sources_key(&sources).unwrap(), key);
        touch(&a, "い,12", 1_000);
        assert_ne!(sources_key(&sources).unwrap(), key);
        touch(&a, "あ,1", 1_000);
        let renamed = dir.path().join("c.csv");
        std::fs::rename(&a, &renamed).unwrap();
        assert_ne!(sources_key(&[renamed, b.clone()]).unwrap(), key);
        let missing = sources_key(&[dir.path().join("gone.csv"), b]);
        assert!(matches!(missing, Err(TextError::Read { .. })));
    }
}
