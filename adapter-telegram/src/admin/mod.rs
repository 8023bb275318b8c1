//! The admin bot: what staff use to see the day's bookings, act on them,
//! block periods, edit the catalog, and read statistics and exports.
//!
//! Shape, as in the client bot: [`handler_tree`] routes every update;
//! [`commands`] parses what was typed into a `BotCommands` enum (the
//! catalog commands' arguments in [`commands::catalog`]), [`callback`] what was
//! pressed, and [`state`] holds the few steps that wait for text. Each
//! endpoint takes the update's `Ctx` (`ctx.rs`) and reads as parse, one
//! use case, render, with the screens in [`crate::ui::admin`]:
//! `sign_in.rs` (the door, help, logout), `bookings.rs` (day view, card,
//! lifecycle), `week.rs` (the week view), `moving.rs` (reschedule),
//! `block.rs` (`/block`, `/blocks` and removing a block), `steps.rs` (the text
//! steps and colliding bookings), `reports.rs` (statistics, export),
//! `catalog.rs` (services, staff, hours, overrides), `customers.rs`
//! (`/customer`, customer cards, notes, erasure), `desk.rs` (`/book` for a
//! caller or a walk-in), `policy.rs` (`/policy`) and `presses.rs` (every
//! button press). [`access`]
//! decides who may use the bot (allow-list, PIN,
//! sessions, lockout). Every user-facing string is in the locale files
//! (`## Admin bot`).
//!
//! Architecture invariant: every update asks the gate first, with the
//! Telegram user id of the update; only [`access::Gate::Admitted`] leads to
//! a `StaffActor`, the engine's proof of authentication.

pub mod access;
mod block;
mod bookings;
pub mod callback;
mod catalog;
pub mod commands;
mod ctx;
mod customers;
mod desk;
pub mod directory;
pub mod export;
mod fallible;
mod invite;
mod moving;
pub mod pin;
mod policy;
mod presses;
mod reports;
mod sign_in;
pub mod state;
mod steps;
mod week;

use std::fmt;
use std::sync::Arc;

use booking_ports::{BotName, Clock, ConversationStore, Engine, InvalidBotName, StaffAccessStore};
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::{self, case};
use teloxide::prelude::*;

pub use self::access::{Access, AdminBotConfig, AdminConfigError, Gate, PinOutcome};
use self::commands::{Command, CommandError};
use self::ctx::{Ctx, Visitor, step_written_at_the_end};
use self::fallible::{answer_refusals, try_map_async};
pub use self::pin::{HashPinError, InvalidPinHash, PinHash, hash_pin};
use crate::conversation::ConversationStorage;
use crate::error::HandlerError;
use crate::guard::catch_panics;
use crate::i18n::{Locales, Msg};
use crate::metrics::observe_updates;

/// The name of the admin bot in conversation keys.
pub const ADMIN_BOT: &str = "admin";

/// Everything the admin bot's handlers need; one dependency, so it cannot
/// collide with the client bot's types in a shared dependency map.
#[derive(Clone)]
pub struct AdminBot {
    pub engine: Arc<Engine>,
    pub locales: Arc<Locales>,
    pub access: Arc<Access>,
    pub conversations: Arc<ConversationStorage>,
}

impl fmt::Debug for AdminBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminBot")
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

/// Why the admin bot could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AdminBotError {
    #[error(transparent)]
    Config(#[from] AdminConfigError),
    #[error(transparent)]
    BotName(#[from] InvalidBotName),
}

impl AdminBot {
    /// The admin bot over `engine`. Access records live in `staff_access`,
    /// conversations in `store` under [`ADMIN_BOT`] (idle for at most
    /// `idle_expiry`).
    ///
    /// # Errors
    /// [`AdminBotError::Config`] for a configuration that admits nobody.
    pub fn new(
        engine: Arc<Engine>,
        locales: Arc<Locales>,
        config: AdminBotConfig,
        store: Arc<dyn ConversationStore>,
        staff_access: Arc<dyn StaffAccessStore>,
        clock: Arc<dyn Clock>,
        idle_expiry: chrono::Duration,
    ) -> Result<Self, AdminBotError> {
        let access = Access::new(config, staff_access, Arc::clone(&clock))?;
        Ok(Self {
            engine,
            locales,
            access: Arc::new(access),
            conversations: Arc::new(ConversationStorage::new(
                store,
                clock,
                BotName::new(ADMIN_BOT)?,
                idle_expiry,
            )),
        })
    }

    /// The dependencies [`handler_tree`] needs.
    pub fn dependencies(&self) -> DependencyMap {
        dptree::deps![Arc::new(self.clone())]
    }
}

/// The admin bot's handler tree: messages and button presses, under the
/// panic guard, each update counted and timed.
pub fn handler_tree() -> UpdateHandler<HandlerError> {
    observe_updates(ADMIN_BOT).chain(
        catch_panics()
            .branch(Update::filter_message().chain(messages()))
            .branch(Update::filter_callback_query().endpoint(presses::on_press)),
    )
}

/// Messages: `/whoami` for anyone, then the gate; strangers, the locked
/// out and those who owe a PIN stop at [`sign_in`].
fn messages() -> UpdateHandler<HandlerError> {
    dptree::filter_map(Visitor::of_message)
        // Anyone may learn their own id, so an owner can fill the allow-list.
        .branch(commands::filter().branch(case![Command::WhoAmI].endpoint(sign_in::whoami)))
        // Staff data never goes to a group, whoever asks there.
        .filter(|message: Message| message.chat.is_private())
        // Anyone may try an invitation code; the gate has no say yet.
        .branch(commands::filter().branch(case![Command::Join(code)].endpoint(sign_in::join)))
        .chain(try_map_async(sign_in::gate))
        .branch(
            case![Gate::Admitted]
                .map(Ctx::of_message)
                .chain(answer_refusals())
                .chain(step_written_at_the_end())
                .chain(admitted()),
        )
        .branch(case![Gate::Refused { first_time }].endpoint(sign_in::refused))
        .branch(case![Gate::LockedOut { until }].endpoint(sign_in::locked_out))
        .branch(case![Gate::Paused { until }].endpoint(sign_in::paused))
        .branch(case![Gate::NeedsPin].endpoint(sign_in::pin))
}

/// An admitted member's messages: commands, commands that did not parse,
/// and text, which answers the step the chat waits in.
fn admitted() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(
            commands::filter()
                .branch(case![Command::Skip].endpoint(steps::skip))
                // Any other command leaves a step that was waiting for text.
                .chain(try_map_async(steps::leave))
                .branch(case![Command::Help].endpoint(sign_in::help))
                .branch(case![Command::WhoAmI].endpoint(sign_in::help))
                .branch(case![Command::Logout].endpoint(sign_in::logout))
                .branch(case![Command::Today].endpoint(bookings::today))
                .branch(case![Command::Tomorrow].endpoint(bookings::tomorrow))
                .branch(case![Command::Day(query)].endpoint(bookings::day))
                .branch(case![Command::Week(staff)].endpoint(week::week))
                .branch(case![Command::Block(request)].endpoint(block::block))
                .branch(case![Command::Blocks].endpoint(block::blocks))
                .branch(case![Command::Stats(period)].endpoint(reports::stats))
                .branch(case![Command::Export(period)].endpoint(reports::export))
                .branch(case![Command::Customer(query)].endpoint(customers::find))
                .branch(case![Command::Book].endpoint(desk::book))
                .branch(case![Command::Policy(command)].endpoint(policy::policy))
                .branch(case![Command::StaffInvite(staff)].endpoint(invite::staff_invite))
                .branch(catalog_commands()),
        )
        .branch(commands::refusals().endpoint(refused_command))
        .endpoint(steps::text)
}

/// The catalog commands (see `catalog.rs`).
fn catalog_commands() -> UpdateHandler<HandlerError> {
    dptree::entry()
        .branch(case![Command::Services(none)].endpoint(catalog::services))
        .branch(case![Command::ServiceAdd(fields)].endpoint(catalog::service_add))
        .branch(case![Command::ServiceEdit(edit)].endpoint(catalog::service_edit))
        .branch(case![Command::ServiceOff(id)].endpoint(catalog::service_off))
        .branch(case![Command::ServiceOn(id)].endpoint(catalog::service_on))
        .branch(case![Command::Staff(none)].endpoint(catalog::staff))
        .branch(case![Command::StaffAdd(name)].endpoint(catalog::staff_add))
        .branch(case![Command::StaffRename(rename)].endpoint(catalog::staff_rename))
        .branch(case![Command::StaffOff(id)].endpoint(catalog::staff_off))
        .branch(case![Command::StaffOn(id)].endpoint(catalog::staff_on))
        .branch(case![Command::Hours(edit)].endpoint(catalog::hours))
        .branch(case![Command::Overrides(range)].endpoint(catalog::overrides))
        .branch(case![Command::Override(edit)].endpoint(catalog::set_override))
        .branch(case![Command::OverrideRemove(key)].endpoint(catalog::remove_override))
}

/// An unknown command, or a known one with wrong arguments: its usage.
async fn refused_command(ctx: Ctx, error: CommandError) -> Result<(), HandlerError> {
    match error {
        CommandError::Usage(usage) => ctx.say_text(usage.message_id()).await,
        CommandError::Unknown | CommandError::NotACommand => {
            ctx.say_text(Msg::AdminUnknownCommand).await
        }
    }
}
