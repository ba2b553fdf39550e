//! Where a run's time goes, by kind of event: the `event-timing` feature
//! (off by default: the loop then makes none of these calls). The loop
//! reads a cheap clock after each pop from the queue, and before and after
//! each event's handler: what lies between (popping the queue; reading
//! ahead and the time series) is counted apart. A reading costs some 30
//! ticks, which each figure includes once.

use super::sim::Event;
use crate::engine::ticks::ticks;

const KINDS: usize = 18;

/// The kind of an event, as a number below `KINDS`, and its name.
fn kind(event: &Event) -> (usize, &'static str) {
    match event {
        Event::FrameDue(_) => (0, "FrameDue"),
        Event::TaskReady(_) => (1, "TaskReady"),
        Event::AttemptReachesPeer(_) => (2, "AttemptReachesPeer"),
        Event::AttemptProcessed(_) => (3, "AttemptProcessed"),
        Event::ReplyReachesCoordinator(_) => (4, "ReplyReachesCoordinator"),
        Event::AttemptTimeout(_) => (5, "AttemptTimeout"),
        Event::FrameReachesRenter(_) => (6, "FrameReachesRenter"),
        Event::PeerOnline(_) => (7, "PeerOnline"),
        Event::PeerOffline(_) => (8, "PeerOffline"),
        Event::PeerRegisters(..) => (9, "PeerRegisters"),
        Event::PeerNotice(..) => (10, "PeerNotice"),
        Event::PeerGone(..) => (11, "PeerGone"),
        Event::Hedge(_) => (12, "Hedge"),
        Event::CancelReachesPeer(_) => (13, "CancelReachesPeer"),
        Event::FrameDeadline(..) => (14, "FrameDeadline"),
        Event::ReputationCrosses(..) => (15, "ReputationCrosses"),
        Event::HeartbeatSent(_) => (16, "HeartbeatSent"),
        Event::HeartbeatArrives(..) => (17, "HeartbeatArrives"),
    }
}

/// Ticks and counts, by kind of event.
pub(super) struct EventTiming {
    mark: u64,
    kind: usize,
    names: [&'static str; KINDS],
    events: [u64; KINDS],
    ticks: [u64; KINDS],
    popping: u64,
    between: u64,
}

impl EventTiming {
    pub(super) fn start() -> EventTiming {
        EventTiming {
            mark: ticks(),
            kind: 0,
            names: [""; KINDS],
            events: [0; KINDS],
            ticks: [0; KINDS],
            popping: 0,
            between: 0,
        }
    }

    /// An event was popped: the time since the last handler ended goes to
    /// the queue.
    #[inline(always)]
    pub(super) fn popped(&mut self) {
        let now = ticks();
        self.popping += now - self.mark;
        self.mark = now;
    }

    /// `event`'s handler starts: the time since the pop goes to what lies
    /// between (reading ahead, the time series).
    #[inline(always)]
    pub(super) fn handling(&mut self, event: &Event) {
        let now = ticks();
        self.between += now - self.mark;
        self.mark = now;
        let (k, name) = kind(event);
        self.kind = k;
        self.names[k] = name;
    }

    /// The handler ended.
    #[inline(always)]
    pub(super) fn handled(&mut self) {
        let now = ticks();
        self.events[self.kind] += 1;
        self.ticks[self.kind] += now - self.mark;
        self.mark = now;
    }

    /// A table: each kind's events, ticks an event and share of the loop.
    pub(super) fn table(&self) -> String {
        let total = (self.popping + self.between + self.ticks.iter().sum::<u64>()).max(1) as f64;
        let all: u64 = self.events.iter().sum();
        let row = |name: &str, events: u64, ticks: u64| {
            format!(
                "{name:<26} {events:>12} {:>9.0} {:>6.1}%\n",
                ticks as f64 / events.max(1) as f64,
                100.0 * ticks as f64 / total
            )
        };
        let mut table = format!(
            "{:<26} {:>12} {:>9} {:>7}\n",
            "event", "events", "ticks/ev", "share"
        );
        for k in 0..KINDS {
            if self.events[k] > 0 {
                table += &row(self.names[k], self.events[k], self.ticks[k]);
            }
        }
        table += &row("(popping from the queue)", all, self.popping);
        table += &row("(reading ahead, series)", all, self.between);
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RenterId;

    #[test]
    fn each_event_is_counted_under_its_kind() {
        let mut timing = EventTiming::start();
        for _ in 0..3 {
            timing.handling(&Event::FrameDue(RenterId(0)));
            timing.handled();
        }
        let table = timing.table();
        assert!(table.contains("FrameDue"), "{table}");
        let row = table.lines().find(|l| l.starts_with("FrameDue")).unwrap();
        assert_eq!(row.split_whitespace().nth(1), Some("3"), "{table}");
    }
}
