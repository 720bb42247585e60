//! Units of work (row groups, record batches) decoded on every thread and accepted one at a
//! time in file order, as soon as the units before them are accepted.
//!
//! Accepting is sequential (duplicate ids and segment dictionaries need file order), so it
//! must overlap decoding. Windows of units joined with the accepting of the window before
//! left a core idle for as long as each window took to accept (about a third of reading at
//! ten million rows); here a thread that finishes a unit accepts whatever is next in order,
//! or decodes the next unit, so neither core waits while there is work.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, MutexGuard};

/// What the workers share: the unit source, the decoded units awaiting their turn, and who
/// is accepting.
struct State<S, R, E> {
    next_unit: S,
    /// Units taken from the source (their indices are 0..claimed).
    claimed: usize,
    exhausted: bool,
    decoded: BTreeMap<usize, R>,
    /// Units accepted (their indices are 0..accepted).
    accepted: usize,
    accepting: bool,
    /// The failure of the earliest unit that failed.
    error: Option<(usize, E)>,
    /// A panic in `next_unit`, `decode` or `accept`, raised again once every worker has
    /// stopped: a worker waiting for the one that panicked would otherwise wait for ever.
    panic: Option<Box<dyn Any + Send>>,
}

impl<S, R, E> State<S, R, E> {
    fn fail(&mut self, index: usize, error: E) {
        if self.error.as_ref().is_none_or(|(at, _)| index < *at) {
            self.error = Some((index, error));
        }
    }
}

/// Takes units from `next_unit` in file order (it is called under a lock, one call at a
/// time), decodes them in parallel on rayon's threads and passes each result to `accept` in
/// the order the units came, one call at a time. At most `ahead` units are taken and not
/// yet accepted, which bounds the memory held. Stops at the first failure; the error
/// returned is that of the earliest failing unit, as a sequential reading would report.
pub(crate) fn decode_in_order<U, R, E>(
    ahead: usize,
    next_unit: impl FnMut() -> Result<Option<U>, E> + Send,
    decode: impl Fn(U) -> Result<R, E> + Sync,
    accept: impl FnMut(R) + Send,
) -> Result<(), E>
where
    U: Send,
    R: Send,
    E: Send,
{
    let ahead = ahead.max(1);
    let state = Mutex::new(State {
        next_unit,
        claimed: 0,
        exhausted: false,
        decoded: BTreeMap::new(),
        accepted: 0,
        accepting: false,
        error: None,
        panic: None,
    });
    let changed = Condvar::new();
    let accept = Mutex::new(accept);
    let lock = || state.lock().expect("no worker panics holding the state");

    let work = || {
        let mut st: MutexGuard<'_, State<_, R, E>> = lock();
        loop {
            if st.error.is_some() || st.panic.is_some() {
                return;
            }
            // Accepting first: it is the sequential part, and it frees a unit's memory.
            if !st.accepting {
                let next = st.accepted;
                if let Some(made) = st.decoded.remove(&next) {
                    st.accepting = true;
                    drop(st);
                    let accepted = catch_unwind(AssertUnwindSafe(|| {
                        let mut accept_one = accept.lock().expect("one worker accepts at a time");
                        accept_one(made)
                    }));
                    st = lock();
                    st.accepting = false;
                    match accepted {
                        Ok(()) => st.accepted += 1,
                        Err(panic) => st.panic = Some(panic),
                    }
                    changed.notify_all();
                    continue;
                }
            }
            if !st.exhausted && st.claimed - st.accepted < ahead {
                let index = st.claimed;
                let next = catch_unwind(AssertUnwindSafe(|| (st.next_unit)()));
                match next {
                    Ok(Ok(Some(unit))) => {
                        st.claimed += 1;
                        drop(st);
                        let made = catch_unwind(AssertUnwindSafe(|| decode(unit)));
                        st = lock();
                        match made {
                            Ok(Ok(made)) => {
                                st.decoded.insert(index, made);
                            }
                            Ok(Err(e)) => st.fail(index, e),
                            Err(panic) => st.panic = Some(panic),
                        }
                    }
                    Ok(Ok(None)) => st.exhausted = true,
                    Ok(Err(e)) => {
                        st.exhausted = true;
                        st.fail(index, e);
                    }
                    Err(panic) => {
                        st.exhausted = true;
                        st.panic = Some(panic);
                    }
                }
                changed.notify_all();
                continue;
            }
            if st.exhausted {
                // Every unit is taken: those not yet accepted are being decoded or accepted
                // by other workers, which accept what follows them.
                return;
            }
            // As many units ahead as allowed, none of them ours to accept: another worker
            // is decoding the next one or accepting, and will signal.
            st = changed
                .wait(st)
                .expect("no worker panics holding the state");
        }
    };
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| work());
        }
    });
    let st = state
        .into_inner()
        .expect("no worker panics holding the state");
    if let Some(panic) = st.panic {
        resume_unwind(panic);
    }
    match st.error {
        Some((_, e)) => Err(e),
        None => {
            debug_assert_eq!(st.accepted, st.claimed, "every unit taken is accepted");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    /// Units 0..n; decoding squares them after a delay that varies, so later units often
    /// finish first.
    fn run(
        threads: usize,
        ahead: usize,
        n: usize,
        fail_at: &[usize],
    ) -> (Result<(), String>, Vec<usize>, usize) {
        let in_flight = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let mut next = 0;
        let mut seen = Vec::new();
        let result = pool(threads).install(|| {
            decode_in_order(
                ahead,
                || {
                    if next == n {
                        return Ok(None);
                    }
                    next += 1;
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    Ok(Some(next - 1))
                },
                |unit: usize| {
                    std::thread::sleep(std::time::Duration::from_micros(
                        (unit * 37 % 5) as u64 * 200,
                    ));
                    if fail_at.contains(&unit) {
                        return Err(format!("unit {unit} failed"));
                    }
                    Ok(unit * unit)
                },
                |made: usize| {
                    seen.push(made);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                },
            )
        });
        (result, seen, most.load(Ordering::SeqCst))
    }

    #[test]
    fn accepts_every_unit_in_order_within_the_bound() {
        for threads in [1, 2, 4] {
            for ahead in [1, 2, 3, 8] {
                let (result, seen, most) = run(threads, ahead, 40, &[]);
                assert_eq!(result, Ok(()));
                let expected: Vec<usize> = (0..40).map(|u| u * u).collect();
                assert_eq!(seen, expected, "threads {threads}, ahead {ahead}");
                assert!(most <= ahead, "{most} units held with ahead {ahead}");
            }
        }
    }

    #[test]
    fn an_empty_source_accepts_nothing() {
        let (result, seen, _) = run(2, 4, 0, &[]);
        assert_eq!(result, Ok(()));
        assert!(seen.is_empty());
    }

    #[test]
    fn reports_the_earliest_failure_and_accepts_nothing_after_it() {
        for threads in [1, 2, 4] {
            // Unit 11 fails sooner than unit 9 (a shorter delay) while both are in flight.
            let (result, seen, _) = run(threads, 8, 40, &[11, 9, 30]);
            assert_eq!(result, Err("unit 9 failed".to_string()));
            // Units before the failure may be accepted, never the failed one or later ones.
            assert!(seen.len() <= 9, "{} accepted", seen.len());
            let expected: Vec<usize> = (0..seen.len()).map(|u| u * u).collect();
            assert_eq!(seen, expected);
        }
    }

    #[test]
    fn a_panic_anywhere_is_raised_again_not_waited_on() {
        // Before, a worker waiting for room (ahead reached) waited for ever on the one that
        // had panicked; run in a thread so that a hang fails the test instead of stalling it.
        for at in ["source", "decode", "accept"] {
            let (done, finished) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut next = 0;
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    pool(2).install(|| {
                        decode_in_order(
                            2,
                            || {
                                next += 1;
                                if at == "source" && next == 6 {
                                    panic!("reading unit 5");
                                }
                                Ok::<_, String>((next <= 40).then_some(next - 1))
                            },
                            |unit: usize| {
                                if at == "decode" && unit == 5 {
                                    panic!("decoding unit 5");
                                }
                                std::thread::sleep(std::time::Duration::from_micros(300));
                                Ok(unit)
                            },
                            |unit: usize| {
                                if at == "accept" && unit == 5 {
                                    panic!("accepting unit 5");
                                }
                            },
                        )
                    })
                }));
                done.send(outcome.is_err()).unwrap();
            });
            let panicked = finished
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("the reading stops instead of hanging");
            assert!(panicked, "the panic in {at} reaches the caller");
        }
    }

    #[test]
    fn a_failing_source_stops_the_reading_with_its_error() {
        let mut next = 0;
        let mut seen = Vec::new();
        let result = pool(2).install(|| {
            decode_in_order(
                3,
                || {
                    next += 1;
                    if next == 6 {
                        return Err("unreadable batch 5".to_string());
                    }
                    Ok(Some(next - 1))
                },
                |unit: usize| Ok::<_, String>(unit),
                |made: usize| seen.push(made),
            )
        });
        assert_eq!(result, Err("unreadable batch 5".to_string()));
        assert_eq!(seen, (0..seen.len()).collect::<Vec<_>>());
        assert!(seen.len() <= 5);
    }
}
