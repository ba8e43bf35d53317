//! pveproxy's access log (`AnyEvent.pm::log_request`):
//! `<ip> - <userid|-> [dd/mm/YYYY:HH:MM:SS +zzzz] "<request line>" <status> <length|->`.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;

use time::OffsetDateTime;
use time::macros::format_description;

/// One line of the log.
#[derive(Debug, Clone)]
pub struct LogEntry<'a> {
    /// Client address.
    pub client: IpAddr,
    /// Authenticated id (`-` until authentication succeeds).
    pub userid: Option<&'a str>,
    /// When the request was answered.
    pub time: OffsetDateTime,
    /// `GET /api2/json/access/users HTTP/1.1`; the query string is not logged
    /// so that secrets passed in it never reach the log.
    pub request_line: &'a str,
    /// Response status.
    pub status: u16,
    /// Body length, if known.
    pub length: Option<u64>,
}

/// Format one entry (without newline).
pub fn format_entry(entry: &LogEntry<'_>) -> String {
    let stamp = entry
        .time
        .format(format_description!(
            "[day]/[month]/[year]:[hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
        ))
        .unwrap_or_default();
    let length = entry
        .length
        .map(|l| l.to_string())
        .unwrap_or_else(|| "-".to_string());
    format!(
        "{} - {} [{}] \"{}\" {} {}",
        entry.client,
        entry.userid.unwrap_or("-"),
        stamp,
        entry.request_line,
        entry.status,
        length
    )
}

/// An append-only log file, one write per line.
#[derive(Debug)]
pub struct AccessLog {
    file: Mutex<File>,
}

impl AccessLog {
    /// Open (create/append) the log file.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Append one entry.
    pub fn write(&self, entry: &LogEntry<'_>) {
        let mut line = format_entry(entry);
        line.push('\n');
        if let Ok(mut file) = self.file.lock()
            && let Err(e) = file.write_all(line.as_bytes())
        {
            tracing::warn!("access log write failed: {e}");
        }
    }

    /// Flush to disk (on shutdown).
    pub fn flush(&self) {
        if let Ok(mut file) = self.file.lock() {
            let _ = file.flush();
            let _ = file.sync_data();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pveproxy_format() {
        let time = OffsetDateTime::from_unix_timestamp(1_795_921_213).unwrap();
        let line = format_entry(&LogEntry {
            client: "192.0.2.7".parse().unwrap(),
            userid: Some("root@pam!ci"),
            time,
            request_line: "GET /api2/json/access/users HTTP/1.1",
            status: 200,
            length: Some(512),
        });
        assert_eq!(
            line,
            "192.0.2.7 - root@pam!ci [29/11/2026:03:00:13 +0000] \"GET /api2/json/access/users HTTP/1.1\" 200 512"
        );
    }
}
