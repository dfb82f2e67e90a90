//! Server-sent events on `/_cairn/events`: open pages learn about new
//! builds (`reload`) and failed ones (`error`). Messages are written by one
//! broadcaster thread, so a slow client never stalls a build; a client whose
//! socket errors (or times out) is dropped.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// At most this many live-reload connections.
pub const MAX_CLIENTS: usize = 64;

/// The connected clients.
pub struct Hub {
    clients: Mutex<Vec<Box<dyn Write + Send>>>,
    tx: Mutex<Sender<String>>,
}

/// One event in the wire format.
pub fn frame(event: &str, data: &str) -> String {
    let mut s = format!("event: {event}\n");
    for line in data.split('\n') {
        s.push_str("data: ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

impl Hub {
    /// A hub and its broadcaster thread (which also sends a keep-alive
    /// comment every 15 seconds to find dead connections).
    pub fn start() -> Arc<Hub> {
        let (tx, rx) = mpsc::channel::<String>();
        let hub = Arc::new(Hub { clients: Mutex::new(Vec::new()), tx: Mutex::new(tx) });
        let h = Arc::downgrade(&hub);
        let _ = std::thread::Builder::new().name("cairn-sse".into()).spawn(move || broadcaster(h, rx));
        hub
    }

    /// Adds a client whose response head was already written. Returns
    /// false (and drops it) when there are too many.
    pub fn add(&self, w: Box<dyn Write + Send>) -> bool {
        let Ok(mut c) = self.clients.lock() else { return false };
        if c.len() >= MAX_CLIENTS {
            return false;
        }
        c.push(w);
        true
    }

    pub fn len(&self) -> usize {
        self.clients.lock().map(|c| c.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues an event for every client.
    pub fn send(&self, event: &str, data: &str) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(frame(event, data));
        }
    }

    fn write_all(&self, msg: &str) {
        // Take the clients out so new ones can connect while we write.
        let taken: Vec<Box<dyn Write + Send>> = match self.clients.lock() {
            Ok(mut c) => std::mem::take(&mut *c),
            Err(_) => return,
        };
        let alive: Vec<Box<dyn Write + Send>> = taken
            .into_iter()
            .filter_map(|mut w| {
                let ok = w.write_all(msg.as_bytes()).is_ok() && w.flush().is_ok();
                ok.then_some(w)
            })
            .collect();
        if let Ok(mut c) = self.clients.lock() {
            c.extend(alive);
        }
    }
}

fn broadcaster(hub: std::sync::Weak<Hub>, rx: Receiver<String>) {
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => m,
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let Some(h) = hub.upgrade() else { return };
        h.write_all(&msg);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn frames() {
        assert_eq!(super::frame("error", "a\nb"), "event: error\ndata: a\ndata: b\n\n");
    }
}
