//! `booking check-config`: loads the config file and the environment
//! exactly as `booking run` would and prints what would run, with tokens
//! and the PIN pepper hidden. A bad setting exits 2 with one line naming it.

use crate::config::{FromEnvironment, ProcessEnvironment};

use super::{Exit, settings};

/// Runs the command.
pub fn run() -> Exit {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(exit) => return exit,
    };
    let database = settings.database.path();
    let catalog = &settings.catalog;
    let active_staff = catalog.staff.iter().filter(|s| s.is_active()).count();
    let active_services = catalog.services.iter().filter(|s| s.is_active()).count();
    println!("config file: {}", settings.config_path.display());
    println!("business: {}", settings.business.name);
    println!("time zone: {}", settings.policy.time_zone());
    println!(
        "catalog: {} staff ({active_staff} active), {} services ({active_services} active), {} date overrides",
        catalog.staff.len(),
        catalog.services.len(),
        catalog.date_overrides.len()
    );
    println!("database: {}", database.display());
    match &settings.backups {
        Some(schedule) => println!(
            "scheduled backups: every {} h, keeping {}, in {}",
            schedule.interval.as_secs() / 3600,
            schedule.keep,
            schedule.directory_for(database).display()
        ),
        None => println!("scheduled backups: off"),
    }
    println!("telegram api: {}", settings.telegram_api_url);
    println!("client bot: on, {:?}", settings.client_token);
    match &settings.admin_token {
        Some(token) => println!("admin bot: on, {token:?}"),
        None => println!("admin bot: off"),
    }
    let pepper = if FromEnvironment::read(&ProcessEnvironment)
        .pin_pepper
        .is_some()
    {
        "set (hidden)"
    } else {
        "not set"
    };
    println!("PIN pepper: {pepper}");
    println!("logs: {}", settings.log);
    match settings.http.listen {
        Some(address) => println!("http listener: {address} (/healthz, /readyz, /metrics)"),
        None => println!("http listener: off"),
    }
    match &settings.http.webhook {
        Some(webhook) => {
            let admin = settings
                .admin_token
                .as_ref()
                .map(|_| format!(", admin bot at {}", webhook.url.for_bot("admin")))
                .unwrap_or_default();
            println!(
                "updates: webhooks, client bot at {}{admin}; secret set (hidden)",
                webhook.url.for_bot("client")
            );
        }
        None => println!("updates: long polling"),
    }
    println!("ok");
    Exit::Ok
}
