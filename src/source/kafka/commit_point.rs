//! The commit rule, in one place: a partition's committed offset only advances through the
//! contiguous prefix of records whose effects are durable.
//!
//! Records are registered in the order they are read ([`CommitPoint::received`]) and marked
//! done in any order ([`CommitPoint::done`]). The offset to commit is the offset of the first
//! record that is not done yet, or one past the last record when all are done — so a later
//! success never skips an earlier failure (the data loss Vector's users hit, vector#24543).
//!
//! Offset arithmetic: Kafka commits name the *next* offset to read. librdkafka's legacy
//! `rd_kafka_offset_store` (rdkafka's `store_offset`) adds one itself, while `commit(tpl)` and
//! `store_offsets(tpl)` do not. We only ever use the latter, through [`CommitPoint::next_offset`],
//! which already points past the done prefix — never add one again at the call site.

use std::collections::VecDeque;

/// Where one partition's commit point stands.
#[derive(Debug, Default, Clone)]
pub struct CommitPoint {
    /// Records read and not yet in the done prefix, oldest first: (offset, done).
    pending: VecDeque<(i64, bool)>,
    /// The next offset to read after the done prefix, once any record has been done.
    next: Option<i64>,
    /// The offset committed last, to skip commits that would change nothing.
    committed: Option<i64>,
}

/// A record was reported done or read out of order: a bug in the caller, reported not hidden.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CommitPointError {
    /// `received` got an offset not above the last one read.
    #[error("offset {offset} read after offset {last}: offsets must increase within a partition")]
    NotIncreasing { offset: i64, last: i64 },
    /// `done` got an offset that is not pending.
    #[error("offset {0} marked done but it is not pending")]
    NotPending(i64),
}

impl CommitPoint {
    /// A commit point with nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a record as read (not yet done). Offsets must increase; gaps are fine (compacted
    /// topics and transaction markers leave them).
    pub fn received(&mut self, offset: i64) -> Result<(), CommitPointError> {
        let last = self.pending.back().map(|(last, _)| *last).or(self.next.map(|next| next - 1));
        if let Some(last) = last
            && offset <= last
        {
            return Err(CommitPointError::NotIncreasing { offset, last });
        }
        self.pending.push_back((offset, false));
        Ok(())
    }

    /// Marks a read record as done (its effects are durable).
    pub fn done(&mut self, offset: i64) -> Result<(), CommitPointError> {
        let position = self
            .pending
            .binary_search_by_key(&offset, |(pending, _)| *pending)
            .map_err(|_| CommitPointError::NotPending(offset))?;
        self.pending[position].1 = true;
        while let Some((front, true)) = self.pending.front().copied() {
            self.pending.pop_front();
            self.next = Some(front + 1);
        }
        Ok(())
    }

    /// The offset to commit (the next one to read), when the done prefix is not empty.
    ///
    /// When a record is still in flight this is the offset of the first record not done: between
    /// the last done record and it there may be a gap of offsets that hold no records.
    pub fn next_offset(&self) -> Option<i64> {
        match self.pending.front() {
            Some((first_pending, _)) if self.next.is_some() => Some(*first_pending),
            _ => self.next,
        }
    }

    /// The offset to commit now, or `None` when it would not move the committed offset.
    pub fn to_commit(&self) -> Option<i64> {
        self.next_offset().filter(|next| Some(*next) != self.committed)
    }

    /// Records that the broker acknowledged a commit of `next_offset`.
    pub fn committed(&mut self, next_offset: i64) {
        self.committed = Some(self.committed.map_or(next_offset, |previous| previous.max(next_offset)));
    }

    /// The offset last committed (the next to read after a restart), if any.
    pub fn last_committed(&self) -> Option<i64> {
        self.committed
    }

    /// How many records are read and not yet in the done prefix.
    pub fn in_flight(&self) -> usize {
        self.pending.iter().filter(|(_, done)| !done).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nothing_done_commits_nothing() {
        let mut point = CommitPoint::new();
        point.received(5).unwrap();
        assert_eq!(point.next_offset(), None);
    }

    #[test]
    fn commits_one_past_the_done_prefix() {
        let mut point = CommitPoint::new();
        for offset in 10..15 {
            point.received(offset).unwrap();
        }
        point.done(10).unwrap();
        point.done(11).unwrap();
        assert_eq!(point.next_offset(), Some(12), "next offset to read, not the last done");
    }

    #[test]
    fn a_later_success_never_skips_an_earlier_failure() {
        let mut point = CommitPoint::new();
        for offset in 0..4 {
            point.received(offset).unwrap();
        }
        point.done(0).unwrap();
        point.done(2).unwrap();
        point.done(3).unwrap();
        assert_eq!(point.next_offset(), Some(1));
        point.done(1).unwrap();
        assert_eq!(point.next_offset(), Some(4));
        assert_eq!(point.in_flight(), 0);
    }

    #[test]
    fn gaps_in_offsets_are_fine() {
        let mut point = CommitPoint::new();
        point.received(3).unwrap();
        point.received(7).unwrap();
        point.received(8).unwrap();
        point.done(3).unwrap();
        assert_eq!(point.next_offset(), Some(7), "first pending record, across the gap");
        point.done(8).unwrap();
        point.done(7).unwrap();
        assert_eq!(point.next_offset(), Some(9));
    }

    #[test]
    fn rejects_misuse() {
        let mut point = CommitPoint::new();
        point.received(3).unwrap();
        assert_eq!(point.received(3), Err(CommitPointError::NotIncreasing { offset: 3, last: 3 }));
        assert_eq!(point.done(4), Err(CommitPointError::NotPending(4)));
        point.done(3).unwrap();
        assert_eq!(point.received(2), Err(CommitPointError::NotIncreasing { offset: 2, last: 3 }));
    }

    #[test]
    fn to_commit_skips_repeats() {
        let mut point = CommitPoint::new();
        point.received(0).unwrap();
        point.done(0).unwrap();
        assert_eq!(point.to_commit(), Some(1));
        point.committed(1);
        assert_eq!(point.to_commit(), None);
    }

    proptest! {
        /// Whatever order records finish in, the commit offset never passes a record that is not
        /// done, only moves forward, and reaches one past the last record when all are done.
        #[test]
        fn commit_offset_is_the_contiguous_done_prefix(
            gaps in proptest::collection::vec(1i64..4, 1..60),
            order in proptest::collection::vec(any::<proptest::sample::Index>(), 1..60),
        ) {
            let mut offsets = Vec::new();
            let mut offset = 100;
            for gap in &gaps {
                offset += gap;
                offsets.push(offset);
            }
            let mut point = CommitPoint::new();
            for offset in &offsets {
                point.received(*offset).unwrap();
            }
            let mut remaining = offsets.clone();
            let mut done = std::collections::BTreeSet::new();
            let mut last_commit = None;
            for index in order.iter().chain(std::iter::repeat_n(&order[0], offsets.len())) {
                if remaining.is_empty() {
                    break;
                }
                let finished = remaining.remove(index.index(remaining.len()));
                point.done(finished).unwrap();
                done.insert(finished);
                if let Some(next) = point.next_offset() {
                    // Every record below the commit offset is done.
                    prop_assert!(offsets.iter().filter(|o| **o < next).all(|o| done.contains(o)));
                    // The first record at or above it is not done (unless all are).
                    if let Some(first) = offsets.iter().find(|o| **o >= next) {
                        prop_assert!(!done.contains(first));
                        prop_assert_eq!(*first, next);
                    }
                    prop_assert!(last_commit.is_none_or(|last| last <= next));
                    last_commit = Some(next);
                }
            }
            prop_assert_eq!(point.next_offset(), Some(offsets[offsets.len() - 1] + 1));
            prop_assert_eq!(point.in_flight(), 0);
        }
    }
}
