//! Small helpers shared by the stages: dates, did-you-mean, atomic writes.

pub mod fs;
pub mod suggest;
pub mod time;
