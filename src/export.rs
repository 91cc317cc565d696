//! The export document: one JSON object holding an account's rows, written
//! and read one row at a time, so that neither `paylink export` nor
//! `paylink import` holds a table in memory.
//!
//! ```text
//! {"paylink_export":1,"account":{…},"modes":[
//! {"livemode":false,"settings":{…},"counters":{…},"links":[
//! {…one row a line…}
//! ],"tokens":[],"charges":[…],"refunds":[…],"events":[…]}
//! ]}
//! ```
//!
//! Keys come in this order and rows in their numbering's order, so the
//! same rows give the same bytes, whichever database they came from.

use crate::accounts::AccountKeys;
use crate::domain::Mode;
use crate::domain::list::now;
use crate::store::records::{
    AccountRecord, ChargeRecord, CountersRecord, EventRecord, LinkRecord, ModeRecord, RefundRecord,
    Section, SettingsRecord, TokenRecord, TransferCounts,
};
use crate::store::{ExportItem, ImportOutcome, Store};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// The document format this paylink writes and reads.
pub const VERSION: u64 = 1;

/// Large writes and reads: a million rows are a few hundred megabytes.
const BUFFER: usize = 256 * 1024;

/// Rows parsed ahead of the database.
const READ_AHEAD: usize = 1024;

/// Writes items as a document, in the order the store hands them over.
pub struct DocumentWriter<W: Write> {
    out: W,
    /// Inside a mode: its sections opened so far.
    opened: Option<usize>,
    rows_in_section: u64,
    modes: u64,
}

impl<W: Write> DocumentWriter<W> {
    pub fn new(out: W) -> DocumentWriter<W> {
        DocumentWriter {
            out,
            opened: None,
            rows_in_section: 0,
            modes: 0,
        }
    }

    pub fn write(&mut self, item: &ExportItem) -> io::Result<()> {
        match item {
            ExportItem::Account(account) => {
                write!(self.out, "{{\"paylink_export\":{VERSION},\"account\":")?;
                serde_json::to_writer(&mut self.out, account)?;
                self.out.write_all(b",\"modes\":[")
            }
            ExportItem::Mode(head) => {
                self.end_mode()?;
                if self.modes > 0 {
                    self.out.write_all(b",")?;
                }
                self.modes += 1;
                write!(self.out, "\n{{\"livemode\":{},\"settings\":", head.livemode)?;
                serde_json::to_writer(&mut self.out, &head.settings)?;
                self.out.write_all(b",\"counters\":")?;
                serde_json::to_writer(&mut self.out, &head.counters)?;
                self.opened = Some(0);
                Ok(())
            }
            ExportItem::End => {
                self.end_mode()?;
                self.out.write_all(b"\n]}\n")?;
                self.out.flush()
            }
            row => self.row(row),
        }
    }

    fn row(&mut self, row: &ExportItem) -> io::Result<()> {
        let section = row.section().map_or(0, |s| s as usize);
        while self.opened.is_some_and(|opened| opened <= section) {
            self.open_next()?;
        }
        if self.rows_in_section > 0 {
            self.out.write_all(b",")?;
        }
        self.rows_in_section += 1;
        self.out.write_all(b"\n")?;
        let out = &mut self.out;
        match row {
            ExportItem::Link(r) => serde_json::to_writer(out, r),
            ExportItem::Token(r) => serde_json::to_writer(out, r),
            ExportItem::Charge(r) => serde_json::to_writer(out, r),
            ExportItem::Refund(r) => serde_json::to_writer(out, r),
            ExportItem::Event(r) => serde_json::to_writer(out, r),
            ExportItem::Account(_) | ExportItem::Mode(_) | ExportItem::End => Ok(()),
        }?;
        Ok(())
    }

    /// Closes the open section, if any, and opens the next.
    fn open_next(&mut self) -> io::Result<()> {
        let opened = self.opened.unwrap_or(0);
        self.close_section(opened)?;
        write!(self.out, ",\"{}\":[", Section::ALL[opened].name())?;
        self.opened = Some(opened + 1);
        self.rows_in_section = 0;
        Ok(())
    }

    fn close_section(&mut self, opened: usize) -> io::Result<()> {
        match (opened, self.rows_in_section) {
            (0, _) => Ok(()),
            (_, 0) => self.out.write_all(b"]"),
            _ => self.out.write_all(b"\n]"),
        }
    }

    /// Writes the mode's sections still to come (empty) and closes it.
    fn end_mode(&mut self) -> io::Result<()> {
        while self
            .opened
            .is_some_and(|opened| opened < Section::ALL.len())
        {
            self.open_next()?;
        }
        if let Some(opened) = self.opened.take() {
            self.close_section(opened)?;
            self.out.write_all(b"}")?;
        }
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes the export of `account_id`'s `modes` to the file `out`, or to
/// stdout. A file is written beside its name and renamed when complete,
/// so that a failed export leaves no half document under that name.
pub async fn export(
    store: &dyn Store,
    account_id: &str,
    modes: &[Mode],
    out: Option<&Path>,
) -> Result<TransferCounts, String> {
    let Some(path) = out else {
        let mut writer = DocumentWriter::new(BufWriter::with_capacity(BUFFER, io::stdout()));
        return store
            .export_account(account_id, modes, &mut |item| writer.write(&item))
            .await
            .map_err(|e| e.to_string());
    };
    let partial = partial_path(path);
    let file = std::fs::File::create(&partial)
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    let mut writer = DocumentWriter::new(BufWriter::with_capacity(BUFFER, file));
    let exported = store
        .export_account(account_id, modes, &mut |item| writer.write(&item))
        .await;
    let finished = exported.map_err(|e| e.to_string()).and_then(|counts| {
        let file = writer
            .into_inner()
            .into_inner()
            .map_err(|e| e.to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&partial, path)
            .map_err(|e| format!("cannot rename to {}: {e}", path.display()))?;
        Ok(counts)
    });
    if finished.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    finished
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Imports the document at `path` (`-`: stdin). The keys are those of the
/// account the import made, if it made one.
pub async fn import(
    store: &dyn Store,
    path: &Path,
) -> Result<(ImportOutcome, Option<AccountKeys>), String> {
    let reader: Box<dyn Read + Send> = if path == Path::new("-") {
        Box::new(io::stdin())
    } else {
        Box::new(
            std::fs::File::open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        )
    };
    let (items, mut rows) = mpsc::channel(READ_AHEAD);
    let reading = tokio::task::spawn_blocking(move || {
        read_document(io::BufReader::with_capacity(BUFFER, reader), &items)
    });
    let account = match rows.recv().await {
        Some(Ok(ExportItem::Account(account))) => account,
        Some(Err(message)) => return Err(message),
        _ => return Err("the document holds no account".into()),
    };
    let keys = AccountKeys::new(account.id.clone());
    let imported = store
        .import_account(&account, &keys.records(), now(), &mut rows)
        .await;
    // The reader stops at its next row once nobody takes them.
    drop(rows);
    let _ = reading.await;
    let outcome = imported.map_err(|e| e.to_string())?;
    Ok((outcome, outcome.created.then_some(keys)))
}

/// Parses a document, sending its items as they are read, then `End` if
/// the whole of it is sound, or else one `Err` that says what is wrong
/// and where.
pub fn read_document(reader: impl Read, items: &mpsc::Sender<Result<ExportItem, String>>) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let read = DocumentSeed { items }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    let last = match read {
        Ok(()) => Ok(ExportItem::End),
        Err(e) if e.to_string().starts_with(STOPPED) => return,
        Err(e) if e.is_io() => Err(format!("cannot read the document: {e}")),
        Err(e) => Err(format!("the document is not a paylink export: {e}")),
    };
    let _ = items.blocking_send(last);
}

/// The error that stops parsing once the importer has stopped reading.
const STOPPED: &str = "import stopped";

type Items<'a> = &'a mpsc::Sender<Result<ExportItem, String>>;

fn send<E: de::Error>(items: Items<'_>, item: ExportItem) -> Result<(), E> {
    items
        .blocking_send(Ok(item))
        .map_err(|_| E::custom(STOPPED))
}

/// The next key must be `want`: keys come in the order paylink writes.
fn expect_key<'de, A: MapAccess<'de>>(map: &mut A, want: &str) -> Result<(), A::Error> {
    match map.next_key::<String>()? {
        Some(key) if key == want => Ok(()),
        Some(key) => Err(de::Error::custom(format!(
            "expected the key \"{want}\", found \"{key}\" (keys come in the order paylink writes them)"
        ))),
        None => Err(de::Error::custom(format!("the key \"{want}\" is missing"))),
    }
}

fn expect_end<'de, A: MapAccess<'de>>(map: &mut A, after: &str) -> Result<(), A::Error> {
    match map.next_key::<String>()? {
        None => Ok(()),
        Some(key) => Err(de::Error::custom(format!(
            "unexpected key \"{key}\" after \"{after}\""
        ))),
    }
}

struct DocumentSeed<'a> {
    items: Items<'a>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {\"paylink_export\":1,\"account\":…,\"modes\":[…]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        expect_key(&mut map, "paylink_export")?;
        let version: u64 = map.next_value()?;
        if version != VERSION {
            return Err(de::Error::custom(format!(
                "it is of version {version}, and this paylink reads version {VERSION}"
            )));
        }
        expect_key(&mut map, "account")?;
        let account: AccountRecord = map.next_value()?;
        send(self.items, ExportItem::Account(account))?;
        expect_key(&mut map, "modes")?;
        map.next_value_seed(ModesSeed { items: self.items })?;
        expect_end(&mut map, "modes")
    }
}

struct ModesSeed<'a> {
    items: Items<'a>,
}

impl<'de> DeserializeSeed<'de> for ModesSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ModesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of modes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ModeSeed { items: self.items })?
            .is_some()
        {}
        Ok(())
    }
}

struct ModeSeed<'a> {
    items: Items<'a>,
}

impl<'de> DeserializeSeed<'de> for ModeSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ModeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mode {\"livemode\":…,\"settings\":…,\"counters\":…,\"links\":[…],…}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        expect_key(&mut map, "livemode")?;
        let livemode: bool = map.next_value()?;
        expect_key(&mut map, "settings")?;
        let settings: Option<SettingsRecord> = map.next_value()?;
        expect_key(&mut map, "counters")?;
        let counters: CountersRecord = map.next_value()?;
        let head = ModeRecord {
            livemode,
            settings,
            counters,
        };
        send(self.items, ExportItem::Mode(head))?;
        for section in Section::ALL {
            expect_key(&mut map, section.name())?;
            map.next_value_seed(RowsSeed {
                items: self.items,
                section,
            })?;
        }
        expect_end(&mut map, "events")
    }
}

struct RowsSeed<'a> {
    items: Items<'a>,
    section: Section,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an array of {}", self.section.name())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            let item = match self.section {
                Section::Links => seq.next_element::<LinkRecord>()?.map(ExportItem::Link),
                Section::Tokens => seq.next_element::<TokenRecord>()?.map(ExportItem::Token),
                Section::Charges => seq
                    .next_element::<ChargeRecord>()?
                    .map(|c| ExportItem::Charge(Box::new(c))),
                Section::Refunds => seq.next_element::<RefundRecord>()?.map(ExportItem::Refund),
                Section::Events => seq.next_element::<EventRecord>()?.map(ExportItem::Event),
            };
            match item {
                Some(item) => send(self.items, item)?,
                None => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::records::CounterRecord;

    fn items() -> Vec<ExportItem> {
        let account = AccountRecord {
            id: "acct_1".into(),
            created_at: 5,
            display_name: None,
        };
        let head = |livemode| ModeRecord {
            livemode,
            settings: None,
            counters: CountersRecord {
                charges: CounterRecord {
                    last_seq: 0,
                    last_at: 0,
                },
                ..CountersRecord::default()
            },
        };
        let link = LinkRecord {
            id: "link_test_1".into(),
            amount: 100,
            currency: "THB".into(),
            title: "T".into(),
            description: String::new(),
            multiple: false,
            charge_count: 0,
            used_at: None,
            deleted_at: None,
            created_at: 7,
            pending_charge_id: None,
        };
        let event = EventRecord {
            id: "evnt_test_1".into(),
            account_seq: 1,
            key: "link.create".into(),
            charge_id: None,
            data: "{}".into(),
            created_at: 7,
        };
        vec![
            ExportItem::Account(account),
            ExportItem::Mode(head(false)),
            ExportItem::Link(link.clone()),
            ExportItem::Link(link),
            ExportItem::Event(event),
            ExportItem::Mode(head(true)),
            ExportItem::End,
        ]
    }

    fn written(items: &[ExportItem]) -> String {
        let mut writer = DocumentWriter::new(Vec::new());
        for item in items {
            writer.write(item).unwrap();
        }
        String::from_utf8(writer.into_inner()).unwrap()
    }

    fn read(text: &str) -> Vec<Result<ExportItem, String>> {
        let (tx, mut rx) = mpsc::channel(100);
        let text = text.to_owned();
        std::thread::spawn(move || read_document(text.as_bytes(), &tx))
            .join()
            .unwrap();
        let mut read = vec![];
        while let Ok(item) = rx.try_recv() {
            read.push(item);
        }
        read
    }

    #[test]
    fn a_document_reads_back_as_written() {
        let text = written(&items());
        assert!(text.starts_with("{\"paylink_export\":1,\"account\":{\"id\":\"acct_1\""));
        assert!(text.contains("\"tokens\":[],\"charges\":[],\"refunds\":[],\"events\":[\n{"));
        serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
        let read: Vec<ExportItem> = read(&text).into_iter().map(Result::unwrap).collect();
        assert_eq!(read, items());
        assert_eq!(written(&read), text);
    }

    #[test]
    fn a_bad_document_says_where() {
        let text = written(&items());
        let last = |text: &str| read(text).pop().unwrap().unwrap_err();
        let truncated = last(&text[..text.len() - 4]);
        assert!(truncated.contains("EOF"), "{truncated}");
        let version = last(&text.replace("\"paylink_export\":1", "\"paylink_export\":2"));
        assert!(version.contains("version 2"), "{version}");
        let unknown = last(&text.replacen("\"title\"", "\"titel\"", 1));
        assert!(
            unknown.contains("titel") && unknown.contains("line 3"),
            "{unknown}"
        );
        let order = last(
            &text
                .replace("\"tokens\":[],", "")
                .replace("\"charges\":[],", "\"charges\":[],\"tokens\":[],"),
        );
        assert!(order.contains("expected the key"), "{order}");
    }
}
