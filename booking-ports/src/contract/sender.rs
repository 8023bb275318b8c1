//! A [`NotificationSender`] for tests: it records every delivery with the
//! clock's time, fails when told to, and can "crash" (accept a message and
//! never return) to test what a restart does.
//!
//! Routing: a customer's messages go to [`RecordingSender::client_chat`],
//! a staff member's to [`RecordingSender::admin_chat`] of their id, unless
//! [`RecordingSender::route_staff`] says otherwise.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use booking_domain::{CustomerId, StaffId, TelegramUserId};
use chrono::{DateTime, Duration, Utc};
use tokio::sync::{Notify, watch};

use crate::ports::clock::Clock;
use crate::ports::conversations::{BotName, ChatKey};
use crate::ports::outbox::NotificationId;
use crate::ports::sender::{
    Addressee, Destination, NotificationSender, OutgoingMessage, SendError,
};

/// One message the sender accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The clock's time when it was accepted.
    pub at: DateTime<Utc>,
    pub to: Destination,
    pub message: OutgoingMessage,
}

impl Delivery {
    pub fn id(&self) -> NotificationId {
        self.message.notification.id
    }
}

/// A failure to answer the next send to a destination with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// A timeout or network error.
    Temporary,
    /// Flood control: "429 Too Many Requests, retry after".
    RateLimited(Duration),
    /// The chat refuses for good, with this reason.
    Permanent(&'static str),
}

impl Scripted {
    fn into_error(self) -> SendError {
        match self {
            Self::Temporary => SendError::temporary(io::Error::new(
                io::ErrorKind::TimedOut,
                "scripted: the request timed out",
            )),
            Self::RateLimited(wait) => {
                SendError::rate_limited(wait, io::Error::other("scripted: 429 Too Many Requests"))
            }
            Self::Permanent(reason) => SendError::permanent(reason),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    deliveries: Vec<Delivery>,
    calls: usize,
    scripted: HashMap<Destination, VecDeque<Scripted>>,
    staff_routes: HashMap<StaffId, Vec<Destination>>,
    hang_on_call: Option<usize>,
}

/// Records deliveries; see the module documentation. Clones share state.
#[derive(Clone)]
pub struct RecordingSender {
    state: Arc<Mutex<State>>,
    hung: Arc<Notify>,
    /// How many deliveries were accepted so far, for tests that wait for one.
    accepted: Arc<watch::Sender<usize>>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RecordingSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingSender")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

fn bot(name: &str) -> BotName {
    BotName::new(name).unwrap_or_else(|e| unreachable!("a fixed bot name is valid: {e}"))
}

impl RecordingSender {
    /// A sender that stamps deliveries with `clock`'s time.
    pub fn new(clock: impl Clock + 'static) -> Self {
        Self {
            state: Arc::default(),
            hung: Arc::default(),
            accepted: Arc::new(watch::Sender::new(0)),
            clock: Arc::new(clock),
        }
    }

    /// Where a customer's messages go when their record's Telegram account
    /// has the same number as the record, as the contract worlds set them
    /// up (and [`Engine::book`](crate::Engine::book) does for an id it has
    /// no record of).
    pub fn client_chat(customer: CustomerId) -> Destination {
        Destination {
            bot: bot("client"),
            chat: ChatKey::new(customer.get()),
        }
    }

    /// Where messages to the Telegram account `account` go: bot `client`,
    /// its own chat.
    pub fn client_chat_of(account: TelegramUserId) -> Destination {
        Destination {
            bot: bot("client"),
            chat: ChatKey::new(account.get()),
        }
    }

    /// An admin chat: bot `admin`, chat `chat`.
    pub fn admin_chat(chat: i64) -> Destination {
        Destination {
            bot: bot("admin"),
            chat: ChatKey::new(chat),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends notices about `staff` to `chats` (none: nobody can be told).
    pub fn route_staff(&self, staff: StaffId, chats: Vec<Destination>) {
        self.lock().staff_routes.insert(staff, chats);
    }

    /// Answers the next send to `to` with `failure` (several calls queue up).
    pub fn fail_next(&self, to: &Destination, failure: Scripted) {
        self.lock()
            .scripted
            .entry(to.clone())
            .or_default()
            .push_back(failure);
    }

    /// The send call number `call` (counting from 0 over the sender's life)
    /// is accepted and recorded, and then never returns: the process
    /// "crashed" between sending and recording. [`RecordingSender::hung`]
    /// completes when that happens.
    pub fn hang_on_call(&self, call: usize) {
        self.lock().hang_on_call = Some(call);
    }

    /// Sends return normally again.
    pub fn stop_hanging(&self) {
        self.lock().hang_on_call = None;
    }

    /// Completes once a send hung (see [`RecordingSender::hang_on_call`]).
    pub async fn hung(&self) {
        self.hung.notified().await;
    }

    /// Completes once `count` deliveries were accepted over the sender's
    /// life (forgotten ones included).
    pub async fn wait_for_deliveries(&self, count: usize) {
        let mut accepted = self.accepted.subscribe();
        // The sender lives in `self`, so the channel cannot close.
        let _ = accepted.wait_for(|n| *n >= count).await;
    }

    /// Every delivery so far, in the order they were accepted.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }

    /// The deliveries so far, forgetting them.
    pub fn take(&self) -> Vec<Delivery> {
        std::mem::take(&mut self.lock().deliveries)
    }

    /// How many times `send` was called, failures included.
    pub fn calls(&self) -> usize {
        self.lock().calls
    }
}

#[async_trait]
impl NotificationSender for RecordingSender {
    fn destinations(&self, to: &Addressee) -> Vec<Destination> {
        match to {
            Addressee::Customer(account) => vec![Self::client_chat_of(*account)],
            Addressee::Staff(staff) => self
                .lock()
                .staff_routes
                .get(staff)
                .cloned()
                .unwrap_or_else(|| vec![Self::admin_chat(staff.get())]),
        }
    }

    async fn send(&self, to: &Destination, message: &OutgoingMessage) -> Result<(), SendError> {
        let hang = {
            let mut state = self.lock();
            let call = state.calls;
            state.calls += 1;
            if let Some(failure) = state.scripted.get_mut(to).and_then(VecDeque::pop_front) {
                return Err(failure.into_error());
            }
            state.deliveries.push(Delivery {
                at: self.clock.now(),
                to: to.clone(),
                message: message.clone(),
            });
            self.accepted.send_modify(|n| *n += 1);
            state.hang_on_call == Some(call)
        };
        if hang {
            self.hung.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}
