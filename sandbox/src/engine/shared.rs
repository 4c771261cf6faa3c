//! State an instance shares with its host functions and its interrupt handler: the call's
//! deadline, the captured console output and the channel `fetch()` uses.

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use super::loader::Modules;
use super::{Limits, LogLine};
use crate::outbound::{OutboundError, OutboundRequest, OutboundResponse};

/// State shared between the instance and its host functions and interrupt handler.
pub(super) struct Shared {
    deadline: Cell<Option<Instant>>,
    interrupted: Cell<bool>,
    epoch: Instant,
    pub(super) logs: RefCell<LogBuffer>,
    /// Where `fetch()` sends requests during the current call (the worker's pipe to the
    /// supervisor); none: outbound access is disabled.
    pub(super) channel: RefCell<Option<Rc<dyn Channel>>>,
    /// The module's top-level code is running (no call yet: `fetch()` has nothing to go through).
    pub(super) loading: Cell<bool>,
    /// The files of a multi-file function.
    pub(super) modules: OnceCell<Rc<Modules>>,
}

/// Carries a `fetch()` to whoever makes outbound requests, and blocks until the answer.
pub(crate) trait Channel {
    fn fetch(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError>;
}

impl Shared {
    pub(super) fn new(limits: &Limits) -> Self {
        Shared {
            deadline: Cell::new(None),
            interrupted: Cell::new(false),
            epoch: Instant::now(),
            logs: RefCell::new(LogBuffer::new(limits.max_log_bytes)),
            channel: RefCell::new(None),
            loading: Cell::new(false),
            modules: OnceCell::new(),
        }
    }

    /// Milliseconds since the instance was created (the clock of the prelude's timers).
    pub(super) fn now_ms(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64() * 1000.0
    }

    pub(super) fn ms_at(&self, instant: Instant) -> f64 {
        instant.saturating_duration_since(self.epoch).as_secs_f64() * 1000.0
    }

    pub(super) fn arm(&self, deadline: Instant) {
        self.interrupted.set(false);
        self.deadline.set(Some(deadline));
    }

    pub(super) fn disarm(&self) {
        self.deadline.set(None);
    }

    /// Whether the interrupt handler fired since the last `arm`.
    pub(super) fn interrupted(&self) -> bool {
        self.interrupted.get()
    }

    /// The interrupt handler: QuickJS polls it while running code.
    pub(super) fn should_interrupt(&self) -> bool {
        match self.deadline.get() {
            Some(deadline) if Instant::now() >= deadline => {
                self.interrupted.set(true);
                true
            }
            _ => false,
        }
    }
}

/// Captured console output of one call, capped in bytes.
pub(super) struct LogBuffer {
    lines: Vec<LogLine>,
    bytes: usize,
    cap: usize,
    truncated: bool,
}

impl LogBuffer {
    fn new(cap: usize) -> Self {
        LogBuffer { lines: Vec::new(), bytes: 0, cap, truncated: false }
    }

    pub(super) fn push(&mut self, level: String, mut message: String) {
        if self.truncated {
            return;
        }
        let remaining = self.cap.saturating_sub(self.bytes);
        if message.len() > remaining {
            let mut cut = remaining;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            self.truncated = true;
        }
        self.bytes += message.len();
        if !message.is_empty() || !self.truncated {
            self.lines.push(LogLine { level, message });
        }
        if self.truncated {
            self.lines.push(LogLine {
                level: "warn".to_owned(),
                message: format!("[log output truncated: a call may log at most {} bytes]", self.cap),
            });
        }
    }

    /// Takes the lines kept so far, keeping the cap.
    pub(super) fn take(&mut self) -> Vec<LogLine> {
        let cap = self.cap;
        self.reset(cap)
    }

    /// Takes the lines kept so far and sets a new cap.
    pub(super) fn reset(&mut self, cap: usize) -> Vec<LogLine> {
        let lines = std::mem::take(&mut self.lines);
        *self = LogBuffer::new(cap);
        lines
    }
}
