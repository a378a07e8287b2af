//! A bounded pool of worker threads over a queue that jobs may add to (a
//! page of load balancers adds a listener call per load balancer). Blocking
//! HTTP on a few threads is all a read of a few hundred calls needs; no
//! async runtime is built for it.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};

type Job<'a> = Box<dyn FnOnce(&Queue<'a>) + Send + 'a>;

pub struct Queue<'a> {
    state: Mutex<State<'a>>,
    ready: Condvar,
}

struct State<'a> {
    jobs: VecDeque<Job<'a>>,
    /// Jobs queued or running: the pool is done when this reaches zero.
    outstanding: usize,
}

impl<'a> Queue<'a> {
    pub fn spawn(&self, job: impl FnOnce(&Queue<'a>) + Send + 'a) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.jobs.push_back(Box::new(job));
        state.outstanding += 1;
        self.ready.notify_one();
    }

    fn next(&self) -> Option<Job<'a>> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.outstanding == 0 {
                return None;
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn finished(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.outstanding -= 1;
        if state.outstanding == 0 {
            self.ready.notify_all();
        }
    }
}

/// Runs the jobs `seed` queues, and every job they queue, on at most
/// `workers` threads; returns when all are done.
pub fn run<'a>(workers: usize, seed: impl FnOnce(&Queue<'a>)) {
    let queue = Queue { state: Mutex::new(State { jobs: VecDeque::new(), outstanding: 0 }), ready: Condvar::new() };
    seed(&queue);
    let queue = &queue;
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(move || {
                while let Some(job) = queue.next() {
                    job(queue);
                    queue.finished();
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn jobs_add_jobs_and_all_run_within_the_bound() {
        let done = AtomicUsize::new(0);
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let work = |_: &Queue| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(2));
            running.fetch_sub(1, Ordering::SeqCst);
            done.fetch_add(1, Ordering::SeqCst);
        };
        run(3, |q| {
            for _ in 0..10 {
                q.spawn(move |q| {
                    for _ in 0..5 {
                        q.spawn(work);
                    }
                    work(q);
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 60);
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
