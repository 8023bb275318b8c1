//! The customer port: customer records (personal data), found by id,
//! Telegram account, phone or a search, and their erasure.
//!
//! Unique phones and Telegram accounts are checked inside a write
//! transaction (`BEGIN IMMEDIATE`, so no other writer interleaves) to name
//! the record that holds them; the schema's UNIQUE constraints stay the last
//! word for other writers.

use async_trait::async_trait;
use booking_domain::{CustomerId, CustomerName, PhoneNumber, PhoneRegion, TelegramUserId};
use booking_ports::ports::customers::{MAX_SEARCH_RESULTS, fold_name, phone_digits_of};
use booking_ports::{
    CreateCustomerError, CustomerProfile, CustomerStore, Erasure, Language, NewCustomer,
    NotesError, StoreError, UpdateCustomerError,
};
use futures::TryStreamExt;
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::convert::{self, Record, to_ms};
use crate::failure::backend;
use crate::sql;

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: i64,
    name: String,
    phone: Option<String>,
    telegram_user_id: Option<i64>,
    language: Option<String>,
    consented_at_ms: i64,
    notes: String,
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
            phone: self
                .phone
                .as_deref()
                .map(|phone| PhoneNumber::parse(phone, any_region))
                .transpose()
                .map_err(|e| record.corrupt(e))?,
            telegram: self
                .telegram_user_id
                .map(|id| convert::id(record, id, TelegramUserId::new))
                .transpose()?,
            language: self
                .language
                .as_deref()
                .map(Language::new)
                .transpose()
                .map_err(|e| record.corrupt(e))?,
            consented_at: convert::instant(record, self.consented_at_ms)?,
            notes: self.notes,
        })
    }
}

/// A phone or Telegram account that another record than `except` holds.
enum Conflict {
    Phone(CustomerId),
    Telegram(CustomerId),
}

impl From<Conflict> for CreateCustomerError {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Phone(holder) => Self::PhoneTaken { holder },
            Conflict::Telegram(holder) => Self::TelegramTaken { holder },
        }
    }
}

impl From<Conflict> for UpdateCustomerError {
    fn from(conflict: Conflict) -> Self {
        match conflict {
            Conflict::Phone(holder) => Self::PhoneTaken { holder },
            Conflict::Telegram(holder) => Self::TelegramTaken { holder },
        }
    }
}

/// A single-record lookup.
enum Lookup {
    Id(CustomerId),
    Telegram(TelegramUserId),
    Phone(String),
}

async fn one(
    conn: &mut SqliteConnection,
    lookup: Lookup,
) -> Result<Option<CustomerProfile>, StoreError> {
    let query = match lookup {
        Lookup::Id(id) => sqlx::query_as::<_, CustomerRow>(sql::CUSTOMER_BY_ID).bind(id.get()),
        Lookup::Telegram(account) => {
            sqlx::query_as::<_, CustomerRow>(sql::CUSTOMER_BY_TELEGRAM).bind(account.get())
        }
        Lookup::Phone(phone) => {
            sqlx::query_as::<_, CustomerRow>(sql::CUSTOMER_BY_PHONE).bind(phone)
        }
    };
    let row: Option<CustomerRow> = query
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend("reading a customer"))?;
    row.map(CustomerRow::into_profile).transpose()
}

async fn conflict(
    conn: &mut SqliteConnection,
    except: Option<CustomerId>,
    phone: Option<&PhoneNumber>,
    telegram: Option<TelegramUserId>,
) -> Result<Option<Conflict>, StoreError> {
    if let Some(phone) = phone {
        let raw = phone.expose().to_owned();
        if let Some(holder) = one(conn, Lookup::Phone(raw)).await?
            && Some(holder.id) != except
        {
            return Ok(Some(Conflict::Phone(holder.id)));
        }
    }
    if let Some(account) = telegram
        && let Some(holder) = one(conn, Lookup::Telegram(account)).await?
        && Some(holder.id) != except
    {
        return Ok(Some(Conflict::Telegram(holder.id)));
    }
    Ok(None)
}

fn matches(profile: &CustomerProfile, name_part: &str, digits: Option<&str>) -> bool {
    fold_name(profile.name.expose()).contains(name_part)
        || digits.is_some_and(|digits| {
            profile
                .phone
                .as_ref()
                .is_some_and(|phone| phone.expose().contains(digits))
        })
}

#[async_trait]
impl CustomerStore for SqliteStore {
    async fn customer(&self, id: CustomerId) -> Result<Option<CustomerProfile>, StoreError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("reading a customer"))?;
        let found = one(&mut connection, Lookup::Id(id)).await;
        self.lender.settled(connection, found)
    }

    async fn create_customer(
        &self,
        new: NewCustomer,
    ) -> Result<CustomerProfile, CreateCustomerError> {
        let fail = backend("creating a customer");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        if let Some(found) = conflict(&mut tx, None, new.phone.as_ref(), new.telegram).await? {
            return Err(found.into());
        }
        let id: i64 = sqlx::query_scalar(sql::INSERT_CUSTOMER)
            .bind(None::<i64>)
            .bind(new.name.expose())
            .bind(new.phone.as_ref().map(PhoneNumber::expose))
            .bind(new.telegram.map(TelegramUserId::get))
            .bind(new.language.as_ref().map(Language::as_str))
            .bind(to_ms(new.consented_at))
            .bind(new.notes.as_str())
            .fetch_one(&mut *tx)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        let id = convert::id(Record::new("customer", id), id, CustomerId::new)?;
        Ok(new.with_id(id))
    }

    async fn save_customer(&self, profile: CustomerProfile) -> Result<(), CreateCustomerError> {
        let fail = backend("saving a customer");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        if let Some(found) = conflict(
            &mut tx,
            Some(profile.id),
            profile.phone.as_ref(),
            profile.telegram,
        )
        .await?
        {
            return Err(found.into());
        }
        sqlx::query(sql::UPSERT_CUSTOMER)
            .bind(profile.id.get())
            .bind(profile.name.expose())
            .bind(profile.phone.as_ref().map(PhoneNumber::expose))
            .bind(profile.telegram.map(TelegramUserId::get))
            .bind(profile.language.as_ref().map(Language::as_str))
            .bind(to_ms(profile.consented_at))
            .bind(profile.notes.as_str())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        Ok(())
    }

    async fn update_customer(&self, profile: CustomerProfile) -> Result<(), UpdateCustomerError> {
        let fail = backend("updating a customer");
        let mut tx = self.begin_write().await.map_err(&fail)?;
        if one(&mut tx, Lookup::Id(profile.id)).await?.is_none() {
            return Err(UpdateCustomerError::NotFound);
        }
        if let Some(found) = conflict(
            &mut tx,
            Some(profile.id),
            profile.phone.as_ref(),
            profile.telegram,
        )
        .await?
        {
            return Err(found.into());
        }
        let done = sqlx::query(sql::UPDATE_CUSTOMER)
            .bind(profile.name.expose())
            .bind(profile.phone.as_ref().map(PhoneNumber::expose))
            .bind(profile.telegram.map(TelegramUserId::get))
            .bind(profile.language.as_ref().map(Language::as_str))
            .bind(to_ms(profile.consented_at))
            .bind(profile.notes.as_str())
            .bind(profile.id.get())
            .execute(&mut *tx)
            .await
            .map_err(&fail)?;
        if done.rows_affected() == 0 {
            return Err(UpdateCustomerError::NotFound);
        }
        tx.commit().await.map_err(&fail)?;
        Ok(())
    }

    async fn set_customer_notes(&self, id: CustomerId, notes: String) -> Result<(), NotesError> {
        let done = sqlx::query(sql::UPDATE_CUSTOMER_NOTES)
            .bind(notes)
            .bind(id.get())
            .execute(&self.pool)
            .await
            .map_err(backend("saving notes"))?;
        if done.rows_affected() == 0 {
            return Err(NotesError::NotFound);
        }
        Ok(())
    }

    async fn customer_by_telegram(
        &self,
        account: TelegramUserId,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("finding a customer"))?;
        let found = one(&mut connection, Lookup::Telegram(account)).await;
        self.lender.settled(connection, found)
    }

    async fn customer_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> Result<Option<CustomerProfile>, StoreError> {
        let mut connection = self
            .lender
            .lend()
            .await
            .map_err(backend("finding a customer"))?;
        let raw = phone.expose().to_owned();
        let found = one(&mut connection, Lookup::Phone(raw)).await;
        self.lender.settled(connection, found)
    }

    async fn search_customers(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<CustomerProfile>, StoreError> {
        let name_part = fold_name(text);
        if name_part.is_empty() {
            return Ok(Vec::new());
        }
        let digits = phone_digits_of(text);
        let limit = limit.min(MAX_SEARCH_RESULTS);
        let mut found = Vec::new();
        let mut rows = sqlx::query_as::<_, CustomerRow>(sql::ALL_CUSTOMERS).fetch(&self.pool);
        while found.len() < limit
            && let Some(row) = rows
                .try_next()
                .await
                .map_err(backend("searching customers"))?
        {
            let profile = row.into_profile()?;
            if matches(&profile, &name_part, digits.as_deref()) {
                found.push(profile);
            }
        }
        Ok(found)
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
