//! A booking's audit trail in its columns: shared with the other store,
//! `booking_ports::stored::audit`.

pub(crate) use booking_ports::stored::audit::*;
