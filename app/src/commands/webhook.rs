//! `booking webhook set|delete|info`: each bot's webhook at Telegram, done
//! once by the operator rather than by every instance that starts or
//! stops. `set` points each bot (the client bot, and the admin bot when its
//! token is set) at `<BOOKING_WEBHOOK_URL>/<bot>` with
//! `BOOKING_WEBHOOK_SECRET`; `delete` removes the webhooks (back to long
//! polling); `info` prints where Telegram sends each bot's updates.
//!
//! On PostgreSQL `booking run` leaves the webhooks alone (several
//! instances share them) and this is how they are set; on SQLite `booking
//! run` sets them itself at start, and this command is not needed.

use teloxide::Bot;
use teloxide::prelude::Requester;

use super::{Exit, block_on, chain, fail, settings};
use crate::cli::WebhookCommand;
use crate::config::Settings;
use crate::serve::bot;
use crate::webhook;

/// Runs the command.
pub fn run(action: &WebhookCommand) -> Exit {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let bots = match bots(&settings) {
        Ok(bots) => bots,
        Err(exit) => return exit,
    };
    block_on(async move {
        for (name, bot) in &bots {
            let exit = match action {
                WebhookCommand::Set => set(&settings, name, bot).await,
                WebhookCommand::Delete => delete(name, bot).await,
                WebhookCommand::Info => info(name, bot).await,
            };
            if exit != Exit::Ok {
                return exit;
            }
        }
        Exit::Ok
    })
}

/// The configured bots by name: the client bot, and the admin bot when its
/// token is set.
fn bots(settings: &Settings) -> Result<Vec<(&'static str, Bot)>, Exit> {
    let client = bot(&settings.client_token, settings).map_err(|e| fail(Exit::Failure, e))?;
    let mut bots = vec![("client", client)];
    if let Some(token) = &settings.admin_token {
        bots.push((
            "admin",
            bot(token, settings).map_err(|e| fail(Exit::Failure, e))?,
        ));
    }
    Ok(bots)
}

async fn set(settings: &Settings, name: &'static str, bot: &Bot) -> Exit {
    let Some(webhook) = settings.http.webhook.as_ref() else {
        return fail(
            Exit::Settings,
            "BOOKING_WEBHOOK_URL is not set: it names where Telegram sends the updates",
        );
    };
    match webhook::set(bot, name, webhook).await {
        Ok(url) => {
            println!("{name}: webhook set to {url}");
            Exit::Ok
        }
        Err(e) => fail(Exit::Failure, chain(&e)),
    }
}

async fn delete(name: &'static str, bot: &Bot) -> Exit {
    match bot.delete_webhook().await {
        Ok(_) => {
            println!("{name}: webhook deleted (long polling from now on)");
            Exit::Ok
        }
        Err(e) => fail(
            Exit::Failure,
            format_args!("the {name} bot could not delete its webhook: {}", chain(&e)),
        ),
    }
}

async fn info(name: &'static str, bot: &Bot) -> Exit {
    match bot.get_webhook_info().await {
        Ok(info) => {
            let url = info
                .url
                .as_ref()
                .map_or("none (long polling)", url::Url::as_str);
            println!(
                "{name}: webhook {url}, {} update(s) waiting",
                info.pending_update_count
            );
            if let Some(error) = &info.last_error_message {
                println!("{name}: Telegram's last delivery error: {error}");
            }
            Exit::Ok
        }
        Err(e) => fail(
            Exit::Failure,
            format_args!("the {name} bot could not read its webhook: {}", chain(&e)),
        ),
    }
}
