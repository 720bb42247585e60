//! A release folder is written whole or not at all. Everything goes into a staging folder
//! beside it; a manifest lists every file with its SHA-256; then the staging folder takes the
//! release's place in one step (Linux: `renameat2` with `RENAME_EXCHANGE`, so at every moment
//! the folder holds either the old release or the new one). A lock beside the folder makes a
//! second run fail at once instead of mixing files; the lock file (`.NAME.engage-lock`, empty)
//! stays, as cargo's do: deleting it could let a waiting run and a new one hold two locks. A folder that is not empty and holds no
//! manifest is not engage's and is refused; a rerun replaces exactly the files its manifest
//! lists and keeps any other file the user put there.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The manifest every release folder carries.
pub const MANIFEST: &str = "engage-manifest.json";

/// A release being written: [`StagedRelease::dir`] is where the files go until
/// [`StagedRelease::commit`]; dropped without a commit, the staging folder is removed and the
/// release is as it was.
pub struct StagedRelease {
    out: PathBuf,
    staging: PathBuf,
    committed: bool,
    /// Held (locked) until the release is in place.
    _lock: File,
}

impl StagedRelease {
    /// Locks `out` for this run and prepares an empty staging folder beside it.
    pub fn begin(out: &Path) -> Result<StagedRelease> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::WriteFile { path, source }
        };
        let name = out
            .file_name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| Error::NotAReleaseFolder {
                out: out.to_path_buf(),
                why: "it names no folder of its own",
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|source| Error::CreateDir {
            path: parent.clone(),
            source,
        })?;
        let lock_path = parent.join(format!(".{name}.engage-lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::ReleaseBusy {
                    out: out.to_path_buf(),
                })
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(&lock_path)(source)),
        }
        let old = parent.join(format!(".{name}.engage-old"));
        if !out.exists() && old.is_dir() {
            // A run stopped between its two renames (where the folders cannot be exchanged in
            // one step): the old release is put back.
            std::fs::rename(&old, out).map_err(io(out))?;
        }
        if out.exists() {
            if !out.is_dir() {
                return Err(Error::NotAReleaseFolder {
                    out: out.to_path_buf(),
                    why: "it is a file",
                });
            }
            let empty = std::fs::read_dir(out).map_err(io(out))?.next().is_none();
            if !empty && !out.join(MANIFEST).is_file() {
                return Err(Error::NotAReleaseFolder {
                    out: out.to_path_buf(),
                    why:
                        "it holds files and no engage-manifest.json, so it is not an engage release",
                });
            }
        }
        let staging = parent.join(format!(".{name}.engage-new"));
        for leftover in [&staging, &old] {
            if leftover.exists() {
                std::fs::remove_dir_all(leftover).map_err(io(leftover))?;
            }
        }
        std::fs::create_dir(&staging).map_err(|source| Error::CreateDir {
            path: staging.clone(),
            source,
        })?;
        Ok(StagedRelease {
            out: out.to_path_buf(),
            staging,
            committed: false,
            _lock: lock,
        })
    }

    /// Where this run writes its files.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Writes the manifest and puts the new release in place of the old one, keeping the files
    /// the old manifest did not list. Returns how many files the release has.
    pub fn commit(mut self) -> Result<usize> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::WriteFile { path, source }
        };
        if self.out.is_dir() {
            let listed = manifest_files(&self.out)?;
            for file in files_below(&self.out)? {
                let own = file == MANIFEST || listed.contains(&file);
                let target = self.staging.join(&file);
                if !own && !target.exists() {
                    if let Some(dir) = target.parent() {
                        std::fs::create_dir_all(dir).map_err(io(dir))?;
                    }
                    std::fs::copy(self.out.join(&file), &target).map_err(io(&target))?;
                }
            }
        }
        let files = files_below(&self.staging)?;
        let mut entries = Vec::with_capacity(files.len());
        for file in &files {
            let path = self.staging.join(file);
            let sha256 = engage_ingest::file_sha256(&path)?;
            let bytes = std::fs::metadata(&path).map_err(io(&path))?.len();
            entries.push(serde_json::json!({ "path": file, "sha256": sha256, "bytes": bytes }));
        }
        let manifest = serde_json::to_string_pretty(&serde_json::json!({
            "engine": format!("engage {}", env!("CARGO_PKG_VERSION")),
            "files": entries,
        }))
        .map_err(Error::DescribeInputs)?;
        let manifest_path = self.staging.join(MANIFEST);
        std::fs::write(&manifest_path, manifest + "\n").map_err(io(&manifest_path))?;
        if self.out.exists() {
            exchange(&self.staging, &self.out)?;
            // The staging folder now holds the old release.
            std::fs::remove_dir_all(&self.staging).map_err(io(&self.staging))?;
        } else {
            std::fs::rename(&self.staging, &self.out).map_err(io(&self.out))?;
        }
        self.committed = true;
        Ok(files.len() + 1)
    }
}

impl Drop for StagedRelease {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// The files an existing release's manifest lists (none without a manifest).
fn manifest_files(out: &Path) -> Result<BTreeSet<String>> {
    let path = out.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(BTreeSet::new());
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| Error::NotAReleaseFolder {
            out: out.to_path_buf(),
            why: "its engage-manifest.json cannot be read",
        })?;
    Ok(manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect())
}

/// Every file below `dir`, as `/`-separated paths relative to it, sorted.
fn files_below(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| Error::ReadFile {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| Error::ReadFile {
                    path: d.clone(),
                    source,
                })?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("below dir");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Swaps two folders in one step where the system can (Linux), else in two renames, the old
/// release parked beside (put back by the next run if this one stops in between).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).expect("no NUL in paths");
    let (ca, cb) = (c(a), c(b));
    // SAFETY: both are valid NUL-terminated paths that live across the call; AT_FDCWD makes
    // them relative to the working directory, as std's own calls are.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::WriteFile {
            path: b.to_path_buf(),
            source: std::io::Error::last_os_error(),
        })
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> Result<()> {
    let name = b.file_name().expect("a named folder").to_string_lossy();
    let old = b.with_file_name(format!(".{name}.engage-old"));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::WriteFile { path, source }
    };
    std::fs::rename(b, &old).map_err(io(b))?;
    std::fs::rename(a, b).map_err(io(b))?;
    std::fs::rename(&old, a).map_err(io(a))
}
