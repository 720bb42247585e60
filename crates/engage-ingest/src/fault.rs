//! Calls into the file-format crates with their panics turned into messages. parquet,
//! arrow-ipc and calamine assert (or overflow) on some corrupt inputs, found by
//! `tests/fuzz.rs`: a damaged file must be reported, not crash the run.

/// `call`'s result, or the message of the panic it raised.
pub(crate) fn catch_fault<T>(call: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown fault")
            .to_string()
    })
}
