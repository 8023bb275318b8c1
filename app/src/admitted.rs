//! An update listener behind the per-chat admission
//! ([`adapter_telegram::admission`]): whichever source the updates come
//! from (long polling or a webhook), a chat over its budget or backlog is
//! dropped before teloxide's dispatcher, which would otherwise wait for
//! that chat's full queue and stall every other chat. A dropped update is
//! done with: its inbox record is finished (`inbox`).

use std::fmt;
use std::sync::Arc;

use adapter_telegram::Locales;
use adapter_telegram::admission::ChatAdmission;
use futures::StreamExt;
use futures::stream::BoxStream;
use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

use crate::inbox::{BotInbox, update_id};

/// One bot's admission: what [`Admitted`] needs besides its listener.
#[derive(Clone)]
pub struct BotAdmission {
    pub name: &'static str,
    pub bot: Bot,
    pub admission: Arc<ChatAdmission>,
    pub locales: Arc<Locales>,
    pub inbox: BotInbox,
}

impl fmt::Debug for BotAdmission {
    // Not derived: `Bot` prints its token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotAdmission")
            .field("name", &self.name)
            .field("admission", &self.admission)
            .finish_non_exhaustive()
    }
}

impl BotAdmission {
    /// `inner`'s updates behind this admission.
    pub fn wrap<L>(&self, inner: L) -> Admitted<L> {
        Admitted {
            inner,
            gate: self.clone(),
        }
    }
}

/// A listener's updates, filtered by its bot's admission.
#[derive(Debug)]
pub struct Admitted<L> {
    inner: L,
    gate: BotAdmission,
}

impl<L> UpdateListener for Admitted<L>
where
    L: UpdateListener<Err = RequestError>,
{
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint);
    }
}

impl<'a, L> AsUpdateStream<'a> for Admitted<L>
where
    L: AsUpdateStream<'a, StreamErr = RequestError>,
    L::Stream: Send + 'a,
{
    type StreamErr = RequestError;
    type Stream = BoxStream<'a, Result<Update, RequestError>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let updates = self.inner.as_stream().boxed();
        let gate = &self.gate;
        let inbox = gate.inbox.clone();
        Arc::clone(&gate.admission).filter_reporting(
            gate.name,
            gate.bot.clone(),
            Arc::clone(&gate.locales),
            updates,
            move |update| {
                if let Some(id) = update_id(update) {
                    inbox.finish_later(id);
                }
            },
        )
    }
}
