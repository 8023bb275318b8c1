//! The application layer of the booking engine.
//!
//! - [`ports`]: the driven-port traits (catalog, bookings, customers,
//!   conversations, the update inbox, the notification outbox, staff
//!   access, the clock), each documenting its contract with MUST clauses,
//!   and [`error::StoreError`], the unexpected failure they share.
//! - [`engine`]: the [`Engine`], every customer and staff use case over those
//!   ports.
//! - [`dispatch`]: the [`Dispatcher`], which delivers the notification outbox
//!   through a [`NotificationSender`] (the driven port a messaging adapter
//!   implements) with the reminder rules, rate limits and retries.
//! - [`metrics`]: what the engine counts (bookings created, cancelled and
//!   rescheduled), through the `metrics` facade: a no-op until the
//!   application installs a recorder.
//! - [`memory`]: an in-memory adapter implementing every port, for tests and
//!   demos and as the reference for the contract.
//! - [`stored`]: how the SQL stores encode domain values in columns, shared
//!   by adapter-sqlite and adapter-postgres.
//! - `contract` (feature `contract`): the test suite every adapter runs.
//!
//! No infrastructure type appears in a port signature, so a second storage
//! adapter implements the same traits without changing the engine.
#![forbid(unsafe_code)]

pub mod dispatch;
pub mod engine;
pub mod error;
pub mod memory;
pub mod metrics;
pub mod ports;
pub mod stored;

pub use dispatch::{
    DispatchError, DispatchReport, DispatchSettings, DispatchSettingsParts, DispatchWakeup,
    Dispatcher, InvalidDispatchSettings, RateLimiter, WithdrawReason,
};
pub use engine::churn::{ChurnLimits, ZeroDailyLimit};
pub use engine::lifecycle::{InvalidLifecycleSettings, LifecycleSettings, LifecycleSweep};
pub use engine::{
    BookingDetails, Capability, Engine, EngineSettings, Forbidden, Period, StaffActor, StaffRole,
    StaffUser,
};
pub use error::{BoxError, StoreError};
pub use memory::MemoryStore;
pub use ports::bookings::{
    ActiveBookingLimit, BookingReads, BookingScope, BookingStore, CalendarRead, CreateBookingError,
    CustomerChurn, CustomerStanding, RescheduleError, Rescheduled, UpdateBookingError,
};
pub use ports::catalog::{
    CatalogChangeError, CatalogRevision, CatalogSnapshot, CatalogStore, ImportCatalogError,
};
pub use ports::clock::{Clock, ManualClock, SystemClock};
pub use ports::conversations::{
    BotName, ChatKey, ConversationKey, ConversationStore, DeleteConversationError, InvalidBotName,
    LoadedConversation, SaveConversationError, StoredConversation,
};
pub use ports::customers::{
    CreateCustomerError, CustomerProfile, CustomerStore, Erasure, InvalidLanguage, Language,
    NewCustomer, NotesError, UpdateCustomerError,
};
pub use ports::inbox::{
    ChatClaim, InboxUpdate, InvalidLeaseHolder, InvalidUpdateId, LeaseHolder, NO_CHAT,
    NewInboxUpdate, Recorded, TakeChatUpdatesError, Unfinished, UpdateId, UpdateInbox,
};
pub use ports::outbox::{
    DeliveryState, FailureReason, MarkNotificationError, NewNotice, NoticeKind, Notification,
    NotificationClaim, NotificationId, NotificationOutbox, OutboxBacklog, OutboxChange, Recipient,
};
pub use ports::send_budget::{SendBudget, SendLimits, SendPermit};
pub use ports::sender::{Addressee, Destination, NotificationSender, OutgoingMessage, SendError};
pub use ports::staff_access::{
    EndSessionError, OpenSession, RecordRefusalError, RedeemInvitationError, StaffAccessStore,
    StaffAccount,
};
pub use ports::versions::RecordVersion;

#[cfg(feature = "contract")]
pub mod contract;
