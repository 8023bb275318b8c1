//! The customer port: profiles (personal data) and their erasure.

use async_trait::async_trait;
use booking_domain::{CustomerId, CustomerName, PhoneNumber, PhoneRegion};
use booking_ports::{CustomerProfile, CustomerStore, Erasure, Language, StoreError};

use crate::SqliteStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: i64,
    name: String,
    phone: String,
    language: Option<String>,
    consented_at_ms: i64,
}

impl CustomerRow {
    fn into_profile(self) -> Result<CustomerProfile, StoreError> {
        let record = Record::new("customer", self.id);
        // Phones are stored in E.164, with their country code, so the region
        // for numbers typed without one never applies; the parser wants one.
        let any_region = PhoneRegion::new("US").map_err(|e| record.corrupt(e))?;
        Ok(CustomerProfile {
            id: convert::id(record, self.id, CustomerId::new)?,
            name: CustomerName::stored(&self.name).map_err(|e| record.corrupt(e))?,
            phone: PhoneNumber::parse(&self.phone, any_region).map_err(|e| record.corrupt(e))?,
            language: self
                .language
                .as_deref()
                .map(Language::new)
                .transpose()
                .map_err(|e| record.corrupt(e))?,
            consented_at: convert::instant(record, self.consented_at_ms)?,
        })
    }
}

#[async_trait]
impl CustomerStore for SqliteStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        let row: Option<CustomerRow> = sqlx::query_as(sql::CUSTOMER_BY_ID)
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend("reading a customer"))?;
        row.map(CustomerRow::into_profile).transpose()
    }

    async fn save_customer(&self, profile: CustomerProfile) -> Result<(), StoreError> {
        sqlx::query(sql::UPSERT_CUSTOMER)
            .bind(profile.id.get())
            .bind(profile.name.expose())
            .bind(profile.phone.expose())
            .bind(profile.language.as_ref().map(Language::as_str))
            .bind(to_ms(profile.consented_at))
            .execute(&self.pool)
            .await
            .map_err(backend("saving a customer"))?;
        Ok(())
    }

    async fn erase_customer(&self, id: CustomerId) -> Result<Erasure, StoreError> {
        let fail = backend("erasing a customer");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        let profile = sqlx::query(sql::DELETE_CUSTOMER)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        // What `Booking::anonymised` does, for every booking at once: no
        // customer, no comment, one version further.
        let bookings = sqlx::query(sql::ANONYMISE_BOOKINGS_OF_CUSTOMER)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        let notifications = sqlx::query(sql::DELETE_NOTIFICATIONS_TO_CUSTOMER)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        let record = Record::new("customer", id.get());
        Ok(Erasure {
            profile_deleted: profile.rows_affected() > 0,
            bookings_anonymised: convert::unsigned(record, to_i64(bookings.rows_affected()))?,
            notifications_deleted: convert::unsigned(
                record,
                to_i64(notifications.rows_affected()),
            )?,
        })
    }
}

fn to_i64(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
