//! The rows of the files a run streams as it goes: `frames.csv`,
//! `attempts.csv` and `timeseries.csv`, made from the model's records.
//! (`summary.csv`, `peers.csv` and `latency_hist.csv` are the rows of the
//! model's report: [`Summary`], [`PeerReport`], [`LatencyBucket`].) Field
//! order is column order. Each is the file's one schema: what writes it
//! reads it back (the charts read `timeseries.csv` with [`SampleRow`]).
//!
//! [`Summary`]: crate::model::Summary
//! [`PeerReport`]: crate::model::PeerReport
//! [`LatencyBucket`]: crate::model::LatencyBucket

use std::borrow::Cow;

use serde::de::{self, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::stats::nan_if_empty;
use crate::model::{AttemptRecord, FrameRecord, Sample};

/// One row of `frames.csv`: a counted frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameRow {
    pub renter: u32,
    pub frame: u64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub created_ms: f64,
    pub delivered_ms: Option<f64>,
    pub latency_ms: Option<f64>,
    #[serde(deserialize_with = "nan_if_empty")]
    pub deadline_ms: f64,
    pub status: Cow<'static, str>,
    /// Untrusted results only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrupt: Option<bool>,
}

impl From<&FrameRecord> for FrameRow {
    fn from(f: &FrameRecord) -> FrameRow {
        FrameRow {
            renter: f.renter,
            frame: f.frame,
            created_ms: f.created.as_ms(),
            delivered_ms: f.delivered.map(|d| d.as_ms()),
            latency_ms: f.delivered.map(|d| (d - f.created).as_ms()),
            deadline_ms: f.deadline.as_ms(),
            status: f.status.as_str().into(),
            corrupt: f.corrupt,
        }
    }
}

/// One row of `attempts.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub renter: u32,
    pub frame: u64,
    pub task: u32,
    pub attempt: u32,
    pub peer: u32,
    #[serde(deserialize_with = "nan_if_empty")]
    pub dispatched_ms: f64,
    pub reached_ms: Option<f64>,
    pub started_ms: Option<f64>,
    pub processed_ms: Option<f64>,
    /// Only when peers churn: when it was lost at its peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_ms: Option<Option<f64>>,
    pub resolved_ms: Option<f64>,
    pub outcome: Cow<'static, str>,
    pub timed_out: bool,
    pub counted: bool,
    /// Only with untrusted results: `right` or `wrong` for a success,
    /// else empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<Option<Cow<'static, str>>>,
    /// Only with links: the input's size and when it began to be sent on
    /// the peer's downlink and had left it; the same for the reply on the
    /// uplink (empty without a reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_kb: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_start_ms: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_end_ms: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_kb: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_start_ms: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_end_ms: Option<Option<f64>>,
}

impl From<&AttemptRecord> for AttemptRow {
    fn from(a: &AttemptRecord) -> AttemptRow {
        let ms = |t: crate::engine::SimTime| t.as_ms();
        AttemptRow {
            renter: a.renter,
            frame: a.frame,
            task: a.task,
            attempt: a.attempt,
            peer: a.peer.0,
            dispatched_ms: ms(a.dispatched),
            reached_ms: a.reached.map(ms),
            started_ms: a.started.map(ms),
            processed_ms: a.processed.map(ms),
            lost_ms: a.churn.then(|| a.lost.map(ms)),
            resolved_ms: a.resolved.map(ms),
            outcome: a.outcome.as_str().into(),
            timed_out: a.timed_out,
            counted: a.counted,
            vote: a
                .vote
                .map(|v| v.map(|right| if right { "right" } else { "wrong" }.into())),
            input_kb: a.links.map(|l| l.input.map(|c| c.kb)),
            input_start_ms: a.links.map(|l| l.input.map(|c| ms(c.start))),
            input_end_ms: a.links.map(|l| l.input.map(|c| ms(c.end))),
            reply_kb: a.links.map(|l| l.reply.map(|c| c.kb)),
            reply_start_ms: a.links.map(|l| l.reply.map(|c| ms(c.start))),
            reply_end_ms: a.links.map(|l| l.reply.map(|c| ms(c.end))),
        }
    }
}

/// One row of `timeseries.csv`: levels are time averages over the
/// interval ending at `t_ms`, flows are counts within it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    #[serde(deserialize_with = "nan_if_empty")]
    pub t_ms: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub waiting_coordinator: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub waiting_peers: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub running: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub in_flight: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub backoff: f64,
    #[serde(deserialize_with = "nan_if_empty")]
    pub online_peers: f64,
    pub frames_created: u64,
    pub frames_delivered: u64,
    pub frames_on_time: u64,
    pub attempts: u64,
    pub failovers: u64,
    pub timeouts: u64,
    /// Churn only: peers that came online, and that went offline.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub peers_joined: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub peers_left: Option<u64>,
    /// Churn only: attempts lost at a peer that left.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub attempts_lost: Option<u64>,
    /// With copies, hedges or cancels: copies beyond the first, hedges,
    /// attempts stopped by a cancel.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub copies: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hedges: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cancelled: Option<u64>,
    /// With `drop_late`: frames failed at their deadline.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub frames_dropped: Option<u64>,
    /// With untrusted peers: delivered frames with a wrong result.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub frames_corrupt: Option<u64>,
}

impl From<&Sample> for SampleRow {
    fn from(s: &Sample) -> SampleRow {
        SampleRow {
            t_ms: s.t.as_ms(),
            waiting_coordinator: s.waiting_coordinator,
            waiting_peers: s.waiting_peers,
            running: s.running,
            in_flight: s.in_flight,
            backoff: s.backoff,
            online_peers: s.online_peers,
            frames_created: s.frames_created,
            frames_delivered: s.frames_delivered,
            frames_on_time: s.frames_on_time,
            attempts: s.attempts,
            failovers: s.failovers,
            timeouts: s.timeouts,
            peers_joined: s.peers_joined,
            peers_left: s.peers_left,
            attempts_lost: s.attempts_lost,
            copies: s.copies,
            hedges: s.hedges,
            cancelled: s.cancelled,
            frames_dropped: s.frames_dropped,
            frames_corrupt: s.frames_corrupt,
        }
    }
}

/// The columns of a row type, in order: the names of its fields, as the
/// type itself declares them to serde (so never a second list to keep in
/// step).
///
/// ```
/// use p2c2g::output::rows::{columns, SampleRow};
/// assert_eq!(columns::<SampleRow>()[..2], ["t_ms", "waiting_coordinator"]);
/// ```
pub fn columns<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The only way a derived Deserialize tells its fields is by asking
    // for a struct: this answers with an error once it has them.
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

/// A deserializer that only learns the field names of a struct.
struct Fields<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for Fields<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("only the fields were asked for"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LatencyBucket, PeerReport, Summary};
    use crate::output::CsvFile;

    /// The header a writer writes for `row`.
    fn header<T: Serialize>(row: &T) -> String {
        let mut file = CsvFile::new("x.csv", Vec::new());
        file.row(row).unwrap();
        let bytes = file.finish().unwrap();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    }

    #[test]
    fn columns_are_the_header_the_writer_writes() {
        // Every column, a mechanism's own ones included.
        let full = Summary {
            attempts_lost: Some(0),
            peer_availability: Some(0.0),
            sessions: Some(0),
            link_wait_ms_mean: Some(None),
            copies: Some(0),
            hedges: Some(0),
            cancelled: Some(0),
            wasted_ms: Some(0.0),
            frames_dropped: Some(0),
            frames_corrupt: Some(0),
            good_rate: Some(None),
            ..crate::model::cost::shape(Summary::default())
        };
        assert_eq!(columns::<Summary>().join(","), header(&full));
        let sample = crate::model::Sample {
            t: crate::engine::SimTime::ZERO,
            length: crate::engine::SimTime::ZERO,
            waiting_coordinator: 0.0,
            waiting_peers: 0.0,
            running: 0.0,
            in_flight: 0.0,
            backoff: 0.0,
            online_peers: 0.0,
            frames_created: 0,
            frames_delivered: 0,
            frames_on_time: 0,
            attempts: 0,
            failovers: 0,
            timeouts: 0,
            peers_joined: Some(0),
            peers_left: Some(0),
            attempts_lost: Some(0),
            copies: Some(0),
            hedges: Some(0),
            cancelled: Some(0),
            frames_dropped: Some(0),
            frames_corrupt: Some(0),
        };
        assert_eq!(
            columns::<SampleRow>().join(","),
            header(&SampleRow::from(&sample))
        );
        assert_eq!(columns::<PeerReport>()[..2], ["peer", "group"]);
        assert_eq!(columns::<LatencyBucket>().len(), 5);
    }
}
