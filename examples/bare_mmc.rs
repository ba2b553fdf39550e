//! Benchmark (a) with nothing but the queueing model: M/M/c with c = 100,
//! rho = 0.9, exponential work of mean 10 ms, one FIFO queue, a random free
//! server; 1 million tasks. It measures the floor under p2c2g's whole model
//! and what the event queue is worth on its own:
//!
//! ```sh
//! cargo run --release --example bare_mmc -- wheel   # p2c2g's EventQueue
//! cargo run --release --example bare_mmc -- heap    # std's BinaryHeap on (time, seq)
//! ```
//!
//! Both print the same mean sojourn time: the two queues pop the same order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

use p2c2g::engine::{stream, EventQueue, SimTime};
use rand::RngExt;
use rand_distr::{Distribution, Exp};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    Departure(u32),
}

/// The two future event lists compared.
trait Queue {
    fn schedule(&mut self, time_ns: u64, event: Event);
    fn pop(&mut self) -> Option<(u64, Event)>;
}

impl Queue for EventQueue<Event> {
    fn schedule(&mut self, time_ns: u64, event: Event) {
        EventQueue::schedule(self, SimTime::from_nanos(time_ns), event);
    }
    fn pop(&mut self) -> Option<(u64, Event)> {
        EventQueue::pop(self).map(|(t, e)| (t.as_nanos(), e))
    }
}

/// `(time, sequence)` order, as the engine's.
#[derive(Default)]
struct Heap {
    heap: BinaryHeap<Reverse<(u64, u64, Event)>>,
    seq: u64,
}

impl Queue for Heap {
    fn schedule(&mut self, time_ns: u64, event: Event) {
        self.heap.push(Reverse((time_ns, self.seq, event)));
        self.seq += 1;
    }
    fn pop(&mut self) -> Option<(u64, Event)> {
        self.heap.pop().map(|Reverse((t, _, e))| (t, e))
    }
}

/// Runs the model; returns the mean sojourn time in ms.
fn mmc(queue: &mut impl Queue) -> f64 {
    const SERVERS: u32 = 100;
    const TASKS: u64 = 1_000_000;
    let (mut arrivals, mut work, mut choice) = (stream(1, 0, 0), stream(1, 1, 0), stream(1, 2, 0));
    let gap_ns = Exp::new(9000.0 / 1e9).expect("positive rate");
    let work_ns = Exp::new(1.0 / 1e7).expect("positive rate");
    let mut free: Vec<u32> = (0..SERVERS).collect();
    let mut waiting: VecDeque<(u64, u64)> = VecDeque::new();
    let mut arrived_at = vec![0u64; SERVERS as usize];
    let (mut made, mut done, mut sojourn_ns) = (0u64, 0u64, 0u64);
    queue.schedule(gap_ns.sample(&mut arrivals) as u64, Event::Arrival);
    while let Some((now, event)) = queue.pop() {
        match event {
            Event::Arrival => {
                made += 1;
                if made < TASKS {
                    queue.schedule(now + gap_ns.sample(&mut arrivals) as u64, Event::Arrival);
                }
                let w = work_ns.sample(&mut work) as u64;
                if free.is_empty() {
                    waiting.push_back((now, w));
                } else {
                    let server = free.swap_remove(choice.random_range(0..free.len()));
                    arrived_at[server as usize] = now;
                    queue.schedule(now + w, Event::Departure(server));
                }
            }
            Event::Departure(server) => {
                sojourn_ns += now - arrived_at[server as usize];
                done += 1;
                match waiting.pop_front() {
                    Some((arrived, w)) => {
                        arrived_at[server as usize] = arrived;
                        queue.schedule(now + w, Event::Departure(server));
                    }
                    None => free.push(server),
                }
            }
        }
    }
    sojourn_ns as f64 / done as f64 / 1e6
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "wheel".into());
    let started = Instant::now();
    let mean_ms = match which.as_str() {
        "wheel" => mmc(&mut EventQueue::new()),
        "heap" => mmc(&mut Heap::default()),
        other => {
            eprintln!("error: expected `wheel` or `heap`, found `{other}`");
            std::process::exit(2);
        }
    };
    println!(
        "{which}: mean sojourn {mean_ms:.3} ms, {:.3} s",
        started.elapsed().as_secs_f64()
    );
}
