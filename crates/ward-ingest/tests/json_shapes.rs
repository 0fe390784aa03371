//! The four Windows JSON shapes, on real files where they exist and hand-made edge cases.

mod common;

use ward_event::{Event, Value};
use ward_ingest::PositionUnit;

const EVTX_DUMP_7045: &str = r##"{
  "Event": {
    "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
    "System": {
      "Provider": {"#attributes": {"Name": "Service Control Manager", "Guid": "{555908d1-a6d7-4695-8e1e-26931d2012f4}"}},
      "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045},
      "Version": 0, "Level": 4, "Task": 0, "Opcode": 0, "Keywords": "0x8080000000000000",
      "TimeCreated": {"#attributes": {"SystemTime": "2024-03-01T10:00:00.123456Z"}},
      "EventRecordID": 4242,
      "Execution": {"#attributes": {"ProcessID": 672, "ThreadID": 4500}},
      "Channel": "System",
      "Computer": "MRI-CONSOLE-1.clinic.local",
      "Security": {"#attributes": {"UserID": "S-1-5-21-1-2-3-500"}}
    },
    "EventData": {
      "ServiceName": "WmiApSrvEx",
      "ImagePath": "C:\\Windows\\System32\\wmiapsrvex.exe",
      "ServiceType": "user mode service",
      "StartType": "auto start",
      "AccountName": "LocalSystem"
    }
  }
}
"##;

const POWERSHELL_7045: &str = "\u{feff}{\"Event\":{\"@xmlns\":\"http://schemas.microsoft.com/win/2004/08/events/event\",\
\"System\":{\"Provider\":{\"@Name\":\"Service Control Manager\",\"@Guid\":\"{555908d1-a6d7-4695-8e1e-26931d2012f4}\"},\
\"EventID\":{\"@Qualifiers\":\"16384\",\"#text\":\"7045\"},\"Version\":\"0\",\"Level\":\"4\",\"Task\":\"0\",\"Opcode\":\"0\",\
\"Keywords\":\"0x8080000000000000\",\"TimeCreated\":{\"@SystemTime\":\"2024-03-01T10:00:00.123456Z\"},\"EventRecordID\":\"4242\",\
\"Execution\":{\"@ProcessID\":\"672\",\"@ThreadID\":\"4500\"},\"Channel\":\"System\",\"Computer\":\"MRI-CONSOLE-1.clinic.local\",\
\"Security\":{\"@UserID\":\"S-1-5-21-1-2-3-500\"}},\
\"EventData\":{\"Data\":[{\"@Name\":\"ServiceName\",\"#text\":\"WmiApSrvEx\"},\
{\"@Name\":\"ImagePath\",\"#text\":\"C:\\\\Windows\\\\System32\\\\wmiapsrvex.exe\"},\
{\"@Name\":\"ServiceType\",\"#text\":\"user mode service\"},{\"@Name\":\"StartType\",\"#text\":\"auto start\"},\
{\"@Name\":\"AccountName\",\"#text\":\"LocalSystem\"}]}}}\n";

const WINLOGBEAT8_7045: &str = r#"{"@timestamp":"2024-03-01T10:00:00.123456Z","host":{"name":"mri-console-1"},"winlog":{"channel":"System","event_id":7045,"provider_name":"Service Control Manager","computer_name":"MRI-CONSOLE-1.clinic.local","record_id":4242,"version":0,"process":{"pid":672,"thread":{"id":4500}},"user":{"identifier":"S-1-5-21-1-2-3-500"},"keywords":["Classic"],"event_data":{"ServiceName":"WmiApSrvEx","ImagePath":"C:\\Windows\\System32\\wmiapsrvex.exe","ServiceType":"user mode service","StartType":"auto start","AccountName":"LocalSystem"}}}"#;

const WINLOGBEAT6_7045: &str = r#"{"@timestamp":"2024-03-01T10:00:00.123456Z","log_name":"System","event_id":7045,"source_name":"Service Control Manager","computer_name":"MRI-CONSOLE-1.clinic.local","record_number":"4242","version":0,"process_id":672,"thread_id":4500,"user":{"identifier":"S-1-5-21-1-2-3-500"},"event_data":{"ServiceName":"WmiApSrvEx","ImagePath":"C:\\Windows\\System32\\wmiapsrvex.exe","ServiceType":"user mode service","StartType":"auto start","AccountName":"LocalSystem"}}"#;

fn one(name: &str, text: &str) -> (Event, &'static str) {
    let (events, reports) = common::read_bytes(name, text.as_bytes());
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].bad_records, 0, "{:?}", reports[0].errors);
    assert_eq!(events.len(), 1, "{name}");
    (events.into_iter().next().unwrap(), reports[0].format)
}

fn field_names(e: &Event) -> Vec<&str> {
    e.fields.iter().map(|(k, _)| k).collect()
}

#[test]
fn evtx_dump_event_id_object_gives_the_number() {
    let (e, format) = one("svc.json", EVTX_DUMP_7045);
    assert_eq!(format, "evtx-json");
    assert_eq!(e.source.event_id, Some(7045));
    assert_eq!(e.fields.get("EventID"), Some(&Value::Int(7045)));
    assert_eq!(
        e.source.provider.as_deref(),
        Some("Service Control Manager")
    );
    assert_eq!(e.host.short(), "MRI-CONSOLE-1");
    assert_eq!(e.record_id, Some(4242));
    assert_eq!(e.time.to_rfc3339(), "2024-03-01T10:00:00.123456Z");
    assert_eq!(
        e.fields.get_str("ImagePath"),
        Some("C:\\Windows\\System32\\wmiapsrvex.exe")
    );
    assert_eq!(e.fields.get_str("UserID"), Some("S-1-5-21-1-2-3-500"));
    assert_eq!(e.fields.get("ProcessID"), Some(&Value::Int(672)));
    assert_eq!(e.origin.position, 1);
}

#[test]
fn powershell_shape_gives_the_same_event_as_evtx_dump() {
    let (a, _) = one("svc.json", EVTX_DUMP_7045);
    let (b, format) = one("svc-ps.json", POWERSHELL_7045);
    assert_eq!(format, "powershell-json");
    assert_eq!(a.fields, b.fields);
    assert_eq!(
        (a.time, &a.host, &a.source, a.record_id),
        (b.time, &b.host, &b.source, b.record_id)
    );
}

#[test]
fn winlogbeat_shapes_give_the_same_event_but_level_task_opcode_keywords() {
    let (a, _) = one("svc.json", EVTX_DUMP_7045);
    for (name, text) in [
        ("wlb8.json", WINLOGBEAT8_7045),
        ("wlb6.json", WINLOGBEAT6_7045),
    ] {
        let (b, format) = one(name, text);
        assert_eq!(format, "winlogbeat-json");
        let mut expected = a.fields.clone();
        let mut kept = ward_event::FieldList::default();
        for (k, v) in expected.iter() {
            if !["Level", "Task", "Opcode", "Keywords"].contains(&k) {
                kept.push(k, v.clone());
            }
        }
        expected = kept;
        assert_eq!(b.fields, expected, "{name}");
        assert_eq!(
            (a.time, &a.host, &a.source, a.record_id),
            (b.time, &b.host, &b.source, b.record_id),
            "{name}"
        );
    }
}

#[test]
fn unnamed_data_repeats_the_name_data_and_user_data_is_flattened() {
    let text = r##"{"Event":{"System":{"EventID":104,"Channel":"System","Computer":"pc1","EventRecordID":7,
"TimeCreated":{"#attributes":{"SystemTime":"2024-01-01T00:00:00Z"}}},
"EventData":{"Data":{"#text":["a","","c"]},"Binary":"0A0B"}}}
{"Event":{"System":{"EventID":1102,"Channel":"security","Computer":"pc1","EventRecordID":8},
"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"x"},"SubjectUserName":"bob","SubjectDomainName":"CLINIC"}}}}
"##;
    let (events, reports) = common::read_bytes("mixed.json", text.as_bytes());
    assert_eq!(reports[0].bad_records, 0, "{:?}", reports[0].errors);
    let data: Vec<String> = {
        let mut v = Vec::new();
        ward_event::Fields::get_all(&events[0], "Data", &mut |x| v.push(x.to_string()));
        v
    };
    assert_eq!(data, ["a", "", "c"]);
    assert_eq!(events[0].fields.get_str("Binary"), Some("0A0B"));
    assert_eq!(
        events[1].source.channel.as_deref(),
        Some("Security"),
        "channel case restored"
    );
    assert_eq!(events[1].fields.get_str("SubjectUserName"), Some("bob"));
    assert_eq!(
        field_names(&events[1]),
        [
            "EventID",
            "Channel",
            "Computer",
            "EventRecordID",
            "SubjectUserName",
            "SubjectDomainName"
        ]
    );
    assert_eq!(events[1].origin.position, 4, "line of the second object");
}

#[test]
fn concatenated_pretty_objects_truncated_tail_and_garbage_lines() {
    let mut text = String::new();
    text.push_str(EVTX_DUMP_7045);
    text.push_str("this line is not JSON\n");
    text.push_str(EVTX_DUMP_7045);
    text.push_str("{\"Event\": {\"System\": }}\n");
    text.push_str(EVTX_DUMP_7045);
    let cut = EVTX_DUMP_7045.len() / 2;
    text.push_str(&EVTX_DUMP_7045[..cut]);
    let (events, reports) = common::read_bytes("concat.json", text.as_bytes());
    let report = &reports[0];
    assert_eq!(events.len(), 3);
    assert_eq!(report.events, 3);
    assert_eq!(report.bad_records, 3, "{:?}", report.errors);
    let lines_per_object = EVTX_DUMP_7045.lines().count() as u64;
    assert_eq!(
        report.errors[0].position,
        lines_per_object + 1,
        "garbage line"
    );
    assert_eq!(
        report.errors[1].position,
        2 * lines_per_object + 2,
        "bad object"
    );
    assert_eq!(report.errors[2].unit, PositionUnit::Line);
    assert!(
        report.errors[2].position > 3 * lines_per_object + 2,
        "{}",
        report.errors[2]
    );
    let starts: Vec<u64> = events.iter().map(|e| e.origin.position).collect();
    assert_eq!(starts, [1, lines_per_object + 2, 2 * lines_per_object + 3]);
}

#[test]
fn a_top_level_array_of_events_is_read() {
    let text = format!("[{},\n{}]", EVTX_DUMP_7045.trim(), EVTX_DUMP_7045.trim());
    let (events, reports) = common::read_bytes("array.json", text.as_bytes());
    assert_eq!((events.len(), reports[0].bad_records), (2, 0));
}

#[test]
fn security_datasets_nxlog_archives() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let dir = data.join("security-datasets/datasets/atomic/windows");
    let mut total = 0;
    let mut channels = std::collections::BTreeSet::new();
    let mut types = std::collections::BTreeSet::new();
    for zip in common::files_with_ext(&dir, ".zip")
        .iter()
        .filter(|p| p.to_string_lossy().contains("/host/"))
    {
        let (events, reports) = common::read_all(zip);
        assert_eq!(reports.len(), 1, "{}", zip.display());
        assert_eq!(reports[0].format, "nxlog-json");
        assert_eq!(reports[0].bad_records, 0, "{:?}", reports[0].errors);
        assert!(reports[0].path.contains(".zip!"), "{}", reports[0].path);
        total += events.len();
        channels.extend(
            events
                .iter()
                .filter_map(|e| e.source.channel.as_deref().map(str::to_owned)),
        );
        types.extend(
            events
                .iter()
                .filter_map(|e| e.fields.get_str("EventType").map(str::to_owned)),
        );
    }
    // Counted with Python's json module over the archives' lines.
    assert_eq!(total, 18_539);
    assert!(
        channels.contains("Security") && !channels.contains("security"),
        "{channels:?}"
    );
    // Sysmon's own EventType survives where the export kept it; NXLog's (`INFO`) never shows.
    assert!(
        types.contains("SetValue") && types.contains("CreateKey"),
        "{types:?}"
    );
    assert!(
        !types.contains("INFO") && !types.contains("AUDIT_SUCCESS"),
        "{types:?}"
    );
}

#[test]
fn nxlog_record_maps_system_fields_and_time() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let zip = data.join("security-datasets/datasets/atomic/windows/lateral_movement/host/empire_psexec_dcerpc_tcp_svcctl.zip");
    let (events, _) = common::read_all(&zip);
    let first = &events[0];
    assert_eq!(first.source.event_id, Some(10));
    assert_eq!(first.host.short(), "WORKSTATION5");
    assert_eq!(first.record_id, Some(2_120_060));
    // EventTime 12:16:06 local, collector 4 h behind UTC (UtcTime says 16:16:06.470).
    assert_eq!(first.time.to_rfc3339(), "2020-09-20T16:16:06Z");
    assert_eq!(first.fields.get_str("Keywords"), Some("0x8000000000000000"));
    assert_eq!(
        first.fields.get_str("TargetImage"),
        Some("C:\\windows\\System32\\svchost.exe")
    );
    assert_eq!(
        first.fields.get("SourceModuleType"),
        None,
        "NXLog metadata dropped"
    );
}

/// evtx numbers a repeated element `Name_1`, `Name_2`; PowerShell's JSON repeats it. Both read
/// as one field with several values; a key that only looks numbered stays as it is.
#[test]
fn numbered_repeats_read_as_the_same_field_as_repeated_elements() {
    let evtx_dump = r##"{"Event":{"System":{"EventID":4648,"Channel":"Security","Computer":"pc1","EventRecordID":4},
"EventData":{"LogonGuid":"{1}","TargetUserName":"bob","LogonGuid_1":"{2}","LogonGuid_2":"{3}","Param_1":"p","Slot":"s","Slot_01":"z"}}}
"##;
    let powershell = r##"{"Event":{"System":{"EventID":"4648","Channel":"Security","Computer":"pc1","EventRecordID":"4"},
"EventData":{"Data":[{"@Name":"LogonGuid","#text":"{1}"},{"@Name":"TargetUserName","#text":"bob"},
{"@Name":"LogonGuid","#text":"{2}"},{"@Name":"LogonGuid","#text":"{3}"},{"@Name":"Param_1","#text":"p"},
{"@Name":"Slot","#text":"s"},{"@Name":"Slot_01","#text":"z"}]}}}
"##;
    let (a, _) = one("evtx_dump.json", evtx_dump);
    let (b, _) = one("powershell.json", powershell);
    let guids: Vec<String> = a.fields.values("LogonGuid").map(Value::to_string).collect();
    assert_eq!(guids, ["{1}", "{2}", "{3}"]);
    assert_eq!(
        field_names(&a)[4..],
        [
            "LogonGuid",
            "TargetUserName",
            "LogonGuid",
            "LogonGuid",
            "Param_1",
            "Slot",
            "Slot_01"
        ]
    );
    assert_eq!(field_names(&a), field_names(&b));
    let json = serde_json::to_value(&a.fields).unwrap();
    assert_eq!(json["LogonGuid"], serde_json::json!(["{1}", "{2}", "{3}"]));
    assert_eq!(json["TargetUserName"], "bob");
}
