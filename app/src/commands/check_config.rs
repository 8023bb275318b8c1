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
    match database {
        Some(path) => println!("database: {}", path.display()),
        None => println!("database: PostgreSQL at {}", settings.database.url()),
    }
    match (&settings.backups, database) {
        (Some(schedule), Some(path)) => println!(
            "scheduled backups: every {} h, keeping {}, in {}",
            schedule.interval.as_secs() / 3600,
            schedule.keep,
            schedule.directory_for(path).display()
        ),
        (Some(_), None) => {
            println!("scheduled backups: off (PostgreSQL: use pg_dump or continuous archiving)")
        }
        (None, _) => println!("scheduled backups: off"),
    }
    println!("telegram api: {}", settings.telegram_api_url);
    println!("client bot: on, {:?}", settings.client_token);
    match &settings.admin_token {
        Some(token) => println!("admin bot: on, {token:?}"),
        None => println!("admin bot: off"),
    }
    if let Some(admin) = &settings.admin {
        // Counts only: who they are is in the file, not for a terminal log.
        let access = &admin.access;
        println!(
            "admin roles: {} owner(s), {} manager(s), {} staff member(s) by Telegram id{}",
            access.allowed_users.len(),
            access.managers.len(),
            access.staff_members.len(),
            if access.pin.is_some() {
                ", PIN required"
            } else {
                ""
            }
        );
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
    match (&settings.miniapp, settings.http.listen) {
        (Some(m), Some(_)) => println!(
            "mini app api: on, /app/api/, init data valid {} min{}",
            m.max_age.num_minutes(),
            if m.dev_user.is_some() {
                ", DEVELOPMENT MODE"
            } else {
                ""
            }
        ),
        (Some(_), None) => println!("mini app api: enabled but not served (no http listener)"),
        (None, _) => println!("mini app api: off"),
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
