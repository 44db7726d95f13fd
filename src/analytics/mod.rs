//! Pure computations behind the dashboards, no I/O: each takes numbers the database summed
//! and returns numbers and plain words.
//! - [`stats`]: Wilson intervals, the two-proportion test, sample sizes, normal and t tails.
//! - [`message_test`]: a message test read out ("B is ahead, not yet significant …").
//! - [`lift`]: referral lift of a campaign, difference in differences with an interval.
//! - [`influence`]: weighted PageRank over referral edges and influence links.
//! - [`alerts`]: leakage and decline alerts ranked by referrals at stake and influence.
//! - [`priorities`]: who a liaison should see next, and why.

pub mod alerts;
pub mod influence;
pub mod lift;
pub mod message_test;
pub mod priorities;
pub mod stats;
