//! The example installation for the command tests on either store: its
//! settings, and a database holding its catalog and one booking (Olga
//! Petrova with Anna, a women's haircut on Monday 2030-01-07 at 11:00
//! Moscow time, "window seat please").

use std::path::{Path, PathBuf};

use booking_domain::{CustomerId, ServiceId, StaffChoice, StaffId};
use booking_ports::engine::BookingForm;
use booking_ports::{EngineSettings, ManualClock};
use chrono::{TimeZone, Utc};

use super::TOKEN;

/// `booking.example.toml`, as shipped.
pub fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../booking.example.toml")
}

/// The settings `booking` reads with the example config and a client token.
pub fn example_settings() -> app::config::Settings {
    struct Env;
    impl app::config::Environment for Env {
        fn var(&self, name: &str) -> Option<String> {
            match name {
                "BOOKING_CONFIG" => Some(example_config().display().to_string()),
                "BOOKING_CLIENT_BOT_TOKEN" => Some(TOKEN.to_owned()),
                _ => None,
            }
        }
    }
    app::config::load(&Env).unwrap()
}

/// Imports the example catalog into `store`, books Olga, and closes it.
pub async fn seed_booking(store: app::database::Store) {
    let settings = example_settings();
    let engine = store.engine(
        ManualClock::new(Utc.with_ymd_and_hms(2030, 1, 6, 9, 0, 0).unwrap()),
        settings.policy.clone(),
        EngineSettings::default(),
    );
    assert!(
        engine
            .import_catalog_if_empty(settings.catalog.clone())
            .await
            .unwrap()
    );
    engine
        .book(
            CustomerId::new(42).unwrap(),
            BookingForm {
                service: ServiceId::new(1).unwrap(),
                staff: StaffChoice::Only(StaffId::new(1).unwrap()),
                // 11:00 in Moscow (UTC+3).
                start: Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap(),
                name: "Olga Petrova".to_owned(),
                phone: "+7 916 123-45-67".to_owned(),
                comment: Some("window seat please".to_owned()),
                language: None,
            },
        )
        .await
        .unwrap();
    store.close().await;
}
