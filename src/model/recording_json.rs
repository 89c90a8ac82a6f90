//! Writing a recorded event back as Teleport event JSON — the inverse of the lenient decoder,
//! used by `sightline replay` to publish any recording format as chunk records.
//!
//! Guarantee: decoding what [`RecordingEvent::to_json`] writes gives back an equal event, so a
//! session replayed through Kafka is judged exactly as the file it came from.

use super::recording::{EventBody, RecordingEvent};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

fn time(at: &DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn put<T: Into<Value>>(object: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        object.insert(key.to_string(), value.into());
    }
}

fn put_list(object: &mut Map<String, Value>, key: &str, values: &[String]) {
    if !values.is_empty() {
        object.insert(key.to_string(), json!(values));
    }
}

impl RecordingEvent {
    /// The event as Teleport JSON (end events as received).
    pub fn to_json(&self) -> Value {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut object = Map::new();
        object.insert("event".into(), Value::String(self.event.clone()));
        put(&mut object, "code", self.code.clone());
        put(&mut object, "time", self.time.as_ref().map(time));
        put(&mut object, "ei", self.ei);
        put(&mut object, "sid", self.sid.clone());
        if let Some(metadata) = &self.metadata {
            let metadata = metadata.as_ref();
            for (key, value) in [
                ("user", &metadata.user),
                ("login", &metadata.login),
                ("cluster_name", &metadata.cluster_name),
                ("server_id", &metadata.server_id),
                ("server_hostname", &metadata.server_hostname),
                ("server_addr", &metadata.server_addr),
                ("namespace", &metadata.namespace),
                ("proto", &metadata.proto),
                ("addr.remote", &metadata.remote_addr),
                ("kubernetes_cluster", &metadata.kubernetes_cluster),
                ("kubernetes_pod_name", &metadata.kubernetes_pod_name),
                ("kubernetes_pod_namespace", &metadata.kubernetes_pod_namespace),
                ("kubernetes_container_name", &metadata.kubernetes_container_name),
                ("kubernetes_node_name", &metadata.kubernetes_node_name),
                ("db_service", &metadata.db_service),
                ("db_protocol", &metadata.db_protocol),
                ("db_uri", &metadata.db_uri),
                ("db_name", &metadata.db_name),
                ("db_user", &metadata.db_user),
            ] {
                put(&mut object, key, value.clone());
            }
            if !metadata.server_labels.is_empty() {
                object.insert("server_labels".into(), json!(metadata.server_labels));
            }
            put_list(&mut object, "kubernetes_users", &metadata.kubernetes_users);
            put_list(&mut object, "kubernetes_groups", &metadata.kubernetes_groups);
            put_list(&mut object, "participants", &metadata.participants);
            put_list(&mut object, "initial_command", &metadata.initial_command);
            put(&mut object, "session_start", metadata.session_start.as_ref().map(time));
            put(&mut object, "session_stop", metadata.session_stop.as_ref().map(time));
            put(&mut object, "interactive", metadata.interactive);
            put(&mut object, "enhanced_recording", metadata.enhanced_recording);
            put(&mut object, "size", metadata.size.map(|(cols, rows)| format!("{cols}:{rows}")));
        }
        match &self.body {
            EventBody::Print(print) => {
                object.insert(
                    "data".into(),
                    Value::String(base64::engine::general_purpose::STANDARD.encode(&print.data)),
                );
                put(&mut object, "ms", print.ms);
                put(&mut object, "offset", print.offset);
                put(&mut object, "ci", print.chunk_index);
            }
            EventBody::Resize { cols, rows } => {
                object.insert("size".into(), Value::String(format!("{cols}:{rows}")));
            }
            EventBody::Command(command) => {
                object.insert("path".into(), Value::String(command.path.clone()));
                put(&mut object, "program", command.program.clone());
                put_list(&mut object, "argv", &command.argv);
                put(&mut object, "return_code", command.return_code);
                put(&mut object, "pid", command.pid);
                put(&mut object, "ppid", command.ppid);
            }
            EventBody::Network(network) => {
                put(&mut object, "program", network.program.clone());
                put(&mut object, "pid", network.pid);
                put(&mut object, "src_addr", network.src_addr.clone());
                put(&mut object, "dst_addr", network.dst_addr.clone());
                put(&mut object, "dst_port", network.dst_port);
                put(&mut object, "action", network.action);
            }
            EventBody::Disk(disk) => {
                put(&mut object, "program", disk.program.clone());
                put(&mut object, "pid", disk.pid);
                object.insert("path".into(), Value::String(disk.path.clone()));
                put(&mut object, "flags", disk.flags);
                put(&mut object, "return_code", disk.return_code);
            }
            EventBody::KubeExec(exec) => {
                object.insert("command".into(), Value::String(exec.command.clone()));
                put(&mut object, "exitCode", exec.exit_code.clone());
                put(&mut object, "exitError", exec.exit_error.clone());
            }
            EventBody::KubeRequest(request) => {
                object.insert("verb".into(), Value::String(request.verb.clone()));
                object.insert("request_path".into(), Value::String(request.request_path.clone()));
                put(&mut object, "resource_api_group", request.resource_api_group.clone());
                put(&mut object, "resource_namespace", request.resource_namespace.clone());
                put(&mut object, "resource_kind", request.resource_kind.clone());
                put(&mut object, "resource_name", request.resource_name.clone());
                put(&mut object, "response_code", request.response_code);
            }
            EventBody::DbSessionStart { success, error } => {
                put(&mut object, "success", *success);
                put(&mut object, "error", error.clone());
            }
            EventBody::DbQuery(query) => {
                object.insert("db_query".into(), Value::String(query.query.clone()));
                put_list(&mut object, "db_query_parameters", &query.parameters);
                put(&mut object, "success", query.success);
                put(&mut object, "error", query.error.clone());
            }
            EventBody::SessionStart | EventBody::SessionEnd | EventBody::DbSessionEnd | EventBody::Other => {}
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip() {
        let lines = [
            r#"{"event":"session.start","sid":"s","time":"2026-01-02T03:04:05.123Z","ei":0,"user":"alice","login":"root","server_hostname":"web-1","server_labels":{"env":"prod"},"size":"80:24","initial_command":["bash"],"interactive":true,"addr.remote":"10.0.0.1:5555"}"#,
            r#"{"event":"print","data":"aGVsbG8K","ms":12.25,"offset":5,"ci":1,"ei":1}"#,
            r#"{"event":"resize","size":"100:30","ei":2}"#,
            r#"{"event":"session.command","path":"/bin/ls","program":"ls","argv":["-la"],"return_code":0,"pid":10,"ppid":9,"ei":3}"#,
            r#"{"event":"session.network","program":"curl","pid":11,"src_addr":"10.0.0.2","dst_addr":"1.2.3.4","dst_port":443,"action":0}"#,
            r#"{"event":"session.disk","program":"cat","pid":12,"path":"/etc/shadow","flags":0,"return_code":-13}"#,
            r#"{"event":"exec","command":"sh -c id","exitCode":"0","kubernetes_pod_name":"p","kubernetes_users":["u"]}"#,
            r#"{"event":"kube.request","verb":"get","request_path":"/api/v1/secrets","resource_kind":"secrets","response_code":200}"#,
            r#"{"event":"db.session.start","success":false,"error":"denied","db_name":"app"}"#,
            r#"{"event":"db.session.query","db_query":"select 1","db_query_parameters":["a"],"success":true}"#,
            r#"{"event":"db.session.query.failed","db_query":"drop table x","error":"no"}"#,
            r#"{"event":"session.end","sid":"s","session_stop":"2026-01-02T04:00:00Z","participants":["alice"]}"#,
            r#"{"event":"app.session.chunk","whatever":1}"#,
        ];
        for line in lines {
            let event = RecordingEvent::from_json_slice(line.as_bytes()).unwrap();
            let back = RecordingEvent::from_json_value(event.to_json()).unwrap();
            assert_eq!(back, event, "{line}");
        }
    }
}
