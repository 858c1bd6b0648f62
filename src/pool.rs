//! A counting semaphore for one single-threaded invocation: at most N fetches open at once, of
//! which monitors whose last check timed out may hold only a few while healthy checks wait.
//!
//! Why not `buffer_unordered(6)` over checks: a check sleeps between retries and writes to D1
//! after its fetch; holding a slot through those would leave connections idle. Checks take a
//! slot only around each fetch attempt, so the 6 slots stay busy (a pool, not groups of 6).
//! Why a cap for timed-out monitors (DESIGN.md §3): a hanging target holds its slot for its whole
//! timeout, so 6 of them would stall every healthy check of the invocation. While any healthy
//! check of the invocation is still to run ([`Slots::healthy_job`]), the timed-out ones share
//! [`capped_slots`] slots; once none is left they may use them all.
//! Why not a crate: wasm is single-threaded, so Rc<RefCell> is enough and costs a few lines.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Slots that monitors whose last check timed out may hold while healthy checks wait: 2 of 6.
pub fn capped_slots(n: usize) -> usize {
    (n / 3).max(1)
}

#[derive(Debug)]
struct Inner {
    free: usize,
    in_use: usize,
    peak: usize,
    capped_max: usize,
    capped_in_use: usize,
    /// Healthy checks of this invocation that have not finished probing.
    healthy_left: usize,
    waiters: VecDeque<Waker>,
    capped_waiters: VecDeque<Waker>,
}

impl Inner {
    fn capped_may_take(&self) -> bool {
        self.free > 0 && (self.capped_in_use < self.capped_max || self.healthy_left == 0)
    }

    /// After a slot or the cap frees up: wakes whoever can take it, healthy checks first.
    fn wake_next(&mut self) -> Vec<Waker> {
        if self.free == 0 {
            return Vec::new();
        }
        if let Some(w) = self.waiters.pop_front() {
            return vec![w];
        }
        let mut woken = Vec::new();
        let mut room = if self.healthy_left == 0 { self.free } else { self.capped_max.saturating_sub(self.capped_in_use).min(self.free) };
        while room > 0 {
            match self.capped_waiters.pop_front() {
                Some(w) => woken.push(w),
                None => break,
            }
            room -= 1;
        }
        woken
    }
}

/// N slots shared by the tasks of one invocation. A clone from [`Slots::capped`] takes slots
/// as a monitor whose last check timed out.
#[derive(Debug, Clone)]
pub struct Slots {
    inner: Rc<RefCell<Inner>>,
    capped: bool,
}

/// A held slot; dropping it frees the slot and wakes the next waiter.
#[derive(Debug)]
pub struct Permit {
    inner: Rc<RefCell<Inner>>,
    capped: bool,
}

/// A healthy check still to run; dropping it (when the check has probed) may let timed-out
/// checks use every slot.
#[derive(Debug)]
pub struct HealthyJob(Rc<RefCell<Inner>>);

impl Slots {
    pub fn new(n: usize) -> Self {
        let n = n.max(1);
        let inner = Inner {
            free: n,
            in_use: 0,
            peak: 0,
            capped_max: capped_slots(n),
            capped_in_use: 0,
            healthy_left: 0,
            waiters: VecDeque::new(),
            capped_waiters: VecDeque::new(),
        };
        Self { inner: Rc::new(RefCell::new(inner)), capped: false }
    }

    /// The same slots, taken as a monitor whose last check timed out.
    pub fn capped(&self) -> Self {
        Self { inner: self.inner.clone(), capped: true }
    }

    /// Registers a healthy check before any check starts (so the cap holds from the first
    /// fetch); drop the guard when it has probed.
    pub fn healthy_job(&self) -> HealthyJob {
        self.inner.borrow_mut().healthy_left += 1;
        HealthyJob(self.inner.clone())
    }

    pub fn acquire(&self) -> Acquire {
        Acquire { inner: self.inner.clone(), capped: self.capped }
    }

    /// Most slots ever held at once: the figure the benchmark reports as peak connections.
    pub fn peak(&self) -> usize {
        self.inner.borrow().peak
    }
}

pub struct Acquire {
    inner: Rc<RefCell<Inner>>,
    capped: bool,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let mut inner = self.inner.borrow_mut();
        let may = if self.capped { inner.capped_may_take() } else { inner.free > 0 };
        if may {
            inner.free -= 1;
            inner.in_use += 1;
            inner.peak = inner.peak.max(inner.in_use);
            if self.capped {
                inner.capped_in_use += 1;
            }
            Poll::Ready(Permit { inner: self.inner.clone(), capped: self.capped })
        } else {
            let waker = cx.waker().clone();
            if self.capped { inner.capped_waiters.push_back(waker) } else { inner.waiters.push_back(waker) }
            Poll::Pending
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let woken = {
            let mut inner = self.inner.borrow_mut();
            inner.free += 1;
            inner.in_use -= 1;
            if self.capped {
                inner.capped_in_use -= 1;
            }
            inner.wake_next()
        };
        woken.into_iter().for_each(Waker::wake);
    }
}

impl Drop for HealthyJob {
    fn drop(&mut self) {
        let woken = {
            let mut inner = self.0.borrow_mut();
            inner.healthy_left = inner.healthy_left.saturating_sub(1);
            if inner.healthy_left == 0 { inner.wake_next() } else { Vec::new() }
        };
        woken.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::oneshot;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::cell::Cell;

    /// 20 tasks, 6 slots: never more than 6 held, and as each finishes the next starts, so
    /// the pool stays full until fewer than 6 tasks are left.
    #[test]
    fn never_more_than_n_and_slots_are_reused_as_soon_as_freed() {
        let mut pool = LocalPool::new();
        let slots = Slots::new(6);
        let running = Rc::new(Cell::new(0usize));
        let max_seen = Rc::new(Cell::new(0usize));
        let mut release = Vec::new();
        for _ in 0..20 {
            let (tx, rx) = oneshot::channel::<()>();
            release.push(tx);
            let (slots, running, max_seen) = (slots.clone(), running.clone(), max_seen.clone());
            pool.spawner()
                .spawn_local(async move {
                    let _permit = slots.acquire().await;
                    running.set(running.get() + 1);
                    max_seen.set(max_seen.get().max(running.get()));
                    let _ = rx.await;
                    running.set(running.get() - 1);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(running.get(), 6);
        // Finish tasks one at a time: each frees a slot that a waiter takes at once.
        for (i, tx) in release.into_iter().enumerate() {
            let _ = tx.send(());
            pool.run_until_stalled();
            let left = 20 - (i + 1);
            assert_eq!(running.get(), left.min(6), "after {} finished", i + 1);
        }
        assert_eq!(max_seen.get(), 6);
        assert_eq!(slots.peak(), 6);
    }

    /// 6 hanging (timed-out) checks queued before 12 healthy ones: the hanging ones hold at
    /// most 2 slots while healthy checks remain, so 4 serve the healthy ones; once every healthy
    /// check has run, the hanging ones may use all 6.
    #[test]
    fn timed_out_checks_hold_at_most_two_slots_while_healthy_ones_wait() {
        let mut pool = LocalPool::new();
        let slots = Slots::new(6);
        let hanging_running = Rc::new(Cell::new(0usize));
        let healthy_running = Rc::new(Cell::new(0usize));
        let mut release_hanging = Vec::new();
        let mut release_healthy = Vec::new();
        let spawn = |capped: bool, release: &mut Vec<oneshot::Sender<()>>| {
            let (tx, rx) = oneshot::channel::<()>();
            release.push(tx);
            let slots = if capped { slots.capped() } else { slots.clone() };
            let guard = (!capped).then(|| slots.healthy_job());
            let running = if capped { hanging_running.clone() } else { healthy_running.clone() };
            pool.spawner()
                .spawn_local(async move {
                    {
                        let _permit = slots.acquire().await;
                        running.set(running.get() + 1);
                        let _ = rx.await;
                        running.set(running.get() - 1);
                    }
                    drop(guard);
                })
                .unwrap();
        };
        for _ in 0..6 {
            spawn(true, &mut release_hanging);
        }
        for _ in 0..12 {
            spawn(false, &mut release_healthy);
        }
        pool.run_until_stalled();
        assert_eq!((hanging_running.get(), healthy_running.get()), (2, 4));
        // Healthy checks finish one by one; the hanging ones never take a freed slot meanwhile.
        for (i, tx) in release_healthy.into_iter().enumerate() {
            let _ = tx.send(());
            pool.run_until_stalled();
            let left = 12 - (i + 1);
            if left > 0 {
                assert_eq!(hanging_running.get(), 2, "after {} healthy", i + 1);
                assert_eq!(healthy_running.get(), left.min(4), "after {} healthy", i + 1);
            }
        }
        // No healthy check left: the remaining hanging ones use every slot.
        assert_eq!((hanging_running.get(), healthy_running.get()), (6, 0));
        for tx in release_hanging {
            let _ = tx.send(());
        }
        pool.run_until_stalled();
        assert_eq!(hanging_running.get(), 0);
        assert_eq!(slots.peak(), 6);
    }

    #[test]
    fn the_cap_scales_with_the_slots() {
        assert_eq!([1, 2, 3, 4, 5, 6].map(capped_slots), [1, 1, 1, 1, 1, 2]);
    }
}
