//! Conversions between column values and domain values: the shared ones
//! are `booking_ports::stored::convert`.

pub(crate) use booking_ports::stored::convert::*;
