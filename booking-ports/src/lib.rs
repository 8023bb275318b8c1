//! The application layer of the booking engine: the driven ports every
//! storage adapter implements, and their shared error type.
//!
//! - [`ports`]: the driven-port traits (catalog, bookings, customers,
//!   conversations, the notification outbox, the clock), each documenting its
//!   contract.
//! - [`error`]: [`StoreError`], the unexpected failure every port shares.
//!
//! No infrastructure type appears in a port signature, so a second storage
//! adapter implements the same traits without changing the engine.
#![forbid(unsafe_code)]

pub mod error;
pub mod ports;

pub use error::{BoxError, StoreError};
pub use ports::bookings::{
    ActiveBookingLimit, BookingScope, BookingStore, CreateBookingError, RescheduleError,
    Rescheduled, UpdateBookingError,
};
pub use ports::catalog::{CatalogChangeError, CatalogSnapshot, CatalogStore, ImportCatalogError};
pub use ports::clock::{Clock, ManualClock, SystemClock};
pub use ports::conversations::{
    BotName, ChatKey, ConversationKey, ConversationStore, InvalidBotName,
};
pub use ports::customers::{CustomerProfile, CustomerStore, Erasure, InvalidLanguage, Language};
pub use ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, NoticeKind, Notification,
    NotificationId, NotificationOutbox, OutboxChange, Recipient,
};
pub mod memory;
