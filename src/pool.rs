//! A counting semaphore for one single-threaded invocation: at most N fetches open at once.
//!
//! Why not `buffer_unordered(6)` over checks: a check sleeps between retries and writes to D1
//! after its fetch; holding a slot through those would leave connections idle. Checks take a
//! slot only around each fetch attempt, so the 6 slots stay busy (a pool, not groups of 6).
//! Why not a crate: wasm is single-threaded, so Rc<RefCell> is enough and costs a few lines.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Debug)]
struct Inner {
    free: usize,
    in_use: usize,
    peak: usize,
    waiters: VecDeque<Waker>,
}

/// N slots shared by the tasks of one invocation.
#[derive(Debug, Clone)]
pub struct Slots(Rc<RefCell<Inner>>);

/// A held slot; dropping it frees the slot and wakes the next waiter.
#[derive(Debug)]
pub struct Permit(Rc<RefCell<Inner>>);

impl Slots {
    pub fn new(n: usize) -> Self {
        Self(Rc::new(RefCell::new(Inner { free: n.max(1), in_use: 0, peak: 0, waiters: VecDeque::new() })))
    }

    pub fn acquire(&self) -> Acquire {
        Acquire(self.0.clone())
    }

    /// Most slots ever held at once: the figure the benchmark reports as peak connections.
    pub fn peak(&self) -> usize {
        self.0.borrow().peak
    }
}

pub struct Acquire(Rc<RefCell<Inner>>);

impl Future for Acquire {
    type Output = Permit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let mut inner = self.0.borrow_mut();
        if inner.free > 0 {
            inner.free -= 1;
            inner.in_use += 1;
            inner.peak = inner.peak.max(inner.in_use);
            Poll::Ready(Permit(self.0.clone()))
        } else {
            inner.waiters.push_back(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let waiter = {
            let mut inner = self.0.borrow_mut();
            inner.free += 1;
            inner.in_use -= 1;
            inner.waiters.pop_front()
        };
        if let Some(w) = waiter {
            w.wake();
        }
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
}
