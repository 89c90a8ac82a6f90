//! Where sessions come from. [`files`] reads recording files for `sightline analyze`; the Kafka
//! source (a later stage) reads the same records from topics.

pub mod files;
pub mod kafka;
