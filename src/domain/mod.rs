//! Plain types and rules of the payment-links domain; no I/O here.

pub mod card;
pub mod charge;
pub mod event;
pub mod id;
pub mod link;
pub mod list;
pub mod money;
pub mod refund;
pub mod search;

pub use id::{Kind, Mode, ObjectId};
pub use list::{ListWindow, Micros, Order, Page};
