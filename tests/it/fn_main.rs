//! Temporary: functions tests only.
mod functions;
