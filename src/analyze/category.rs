//! A first, table-driven guess at a command's `CommandCategory` from the program it runs, and
//! at a SQL statement's from its leading keyword. The detection engine may refine it.

use super::shell::wrappers::{self, Inner};
use crate::model::CommandCategory;

/// The program a command line runs first, looking through variable assignments and wrappers
/// (`sudo -u root env X=1 /usr/bin/systemctl ...` → `systemctl`). A plain split: the detection
/// engine parses commands properly.
pub fn first_program(command: &str) -> Option<String> {
    let words: Vec<String> = command
        .split_whitespace()
        .map(|word| word.trim_start_matches(['(', '{', '!']))
        .skip_while(|word| word.is_empty() || word.contains('=') && !word.starts_with('-') && !word.starts_with('='))
        .map(str::to_string)
        .collect();
    match wrappers::unwrap(&words).1 {
        Inner::Exec(words) => words.first().map(|program| program.rsplit('/').next().unwrap_or(program).to_string()),
        Inner::Script { wrapper, .. } | Inner::Code { wrapper, .. } => Some(wrapper),
    }
}

/// The category of a shell command line.
pub fn shell_command_category(command: &str) -> CommandCategory {
    let Some(program) = first_program(command) else {
        return CommandCategory::Other;
    };
    program_category(&program)
}

/// The category of a program by name (`argv[0]` basename).
pub fn program_category(program: &str) -> CommandCategory {
    use CommandCategory::*;
    match program {
        "ls" | "cat" | "cp" | "mv" | "rm" | "mkdir" | "rmdir" | "touch" | "chmod" | "chown" | "chgrp" | "ln"
        | "find" | "head" | "tail" | "less" | "more" | "vi" | "vim" | "nvim" | "nano" | "emacs" | "ed" | "tee"
        | "stat" | "file" | "du" | "tar" | "zip" | "unzip" | "gzip" | "gunzip" | "xz" | "bzip2" | "dd" | "shred"
        | "truncate" | "diff" | "grep" | "egrep" | "fgrep" | "rg" | "sed" | "awk" | "sort" | "uniq" | "wc" | "cut"
        | "tr" | "cd" | "pwd" | "tree" | "realpath" | "readlink" | "basename" | "dirname" | "xxd" | "hexdump"
        | "od" | "strings" | "base64" | "echo" | "printf" | "mktemp" | "install" | "zcat" | "zgrep" | "locate"
        | "jq" | "yq" => FileOperation,
        "curl" | "wget" | "nc" | "ncat" | "netcat" | "socat" | "telnet" | "ping" | "dig" | "nslookup" | "host"
        | "ip" | "ifconfig" | "ss" | "netstat" | "traceroute" | "tcpdump" | "nmap" | "iptables" | "nft" | "ufw"
        | "route" | "arp" | "openssl" | "ssh" | "mosh" | "autossh" | "chisel" | "ngrok" | "tshark" => Network,
        "scp" | "sftp" | "rsync" | "ftp" | "rclone" | "aws" | "gsutil" | "azcopy" | "s3cmd" => Transfer,
        "ps" | "kill" | "pkill" | "killall" | "pgrep" | "renice" | "bg" | "fg" | "jobs" | "disown" | "lsof" | "gdb"
        | "pstree" | "python" | "python3" | "perl" | "ruby" | "node" | "php" | "bash" | "sh" | "zsh" | "dash"
        | "ksh" | "fish" | "busybox" | "eval" | "source" | "." | "exit" | "logout" => Process,
        "systemctl"
        | "service"
        | "sysctl"
        | "modprobe"
        | "insmod"
        | "rmmod"
        | "mount"
        | "umount"
        | "hostnamectl"
        | "timedatectl"
        | "update-alternatives"
        | "setenforce"
        | "auditctl"
        | "export"
        | "unset"
        | "alias"
        | "set"
        | "ulimit"
        | "locale"
        | "reboot"
        | "shutdown"
        | "halt"
        | "poweroff"
        | "init"
        | "swapon"
        | "swapoff"
        | "mkfs"
        | "fdisk"
        | "parted"
        | "lvcreate"
        | "history"
        | "clear"
        | "reset"
        | "stty"
        | "setcap" => SystemConfig,
        "psql" | "mysql" | "mariadb" | "mongo" | "mongosh" | "redis-cli" | "sqlite3" | "pg_dump" | "pg_dumpall"
        | "mysqldump" | "cqlsh" => DataAccess,
        "su" | "passwd" | "ssh-keygen" | "ssh-add" | "ssh-agent" | "ssh-copy-id" | "kinit" | "klist" | "gpg"
        | "login" | "newgrp" | "tsh" | "vault" | "id" | "whoami" | "who" | "w" | "last" | "lastlog" => Authentication,
        "apt" | "apt-get" | "dpkg" | "yum" | "dnf" | "rpm" | "zypper" | "apk" | "pacman" | "snap" | "flatpak"
        | "pip" | "pip3" | "npm" | "yarn" | "pnpm" | "gem" | "brew" | "conda" | "composer" => PackageManagement,
        "docker" | "podman" | "kubectl" | "crictl" | "ctr" | "nerdctl" | "helm" | "k9s" | "kubeadm" | "minikube"
        | "kind" | "nsenter" | "runc" | "oc" | "istioctl" => Container,
        "git" | "svn" | "hg" | "gh" | "glab" => SourceControl,
        "crontab" | "at" | "atq" | "atrm" | "batch" | "anacron" | "systemd-run" => Scheduling,
        "top" | "htop" | "btop" | "atop" | "iotop" | "vmstat" | "iostat" | "mpstat" | "sar" | "free" | "df"
        | "uptime" | "journalctl" | "dmesg" | "uname" | "hostname" | "lscpu" | "lsblk" | "lsmod" | "nproc"
        | "sensors" | "nvidia-smi" | "date" | "env" | "printenv" | "whereis" | "which" | "type" | "tmux" | "screen" => {
            Monitoring
        }
        "useradd" | "userdel" | "usermod" | "adduser" | "deluser" | "groupadd" | "groupdel" | "groupmod"
        | "gpasswd" | "chpasswd" | "visudo" | "chage" => UserManagement,
        "make" | "cmake" | "gcc" | "g++" | "cc" | "clang" | "cargo" | "rustc" | "go" | "javac" | "java" | "mvn"
        | "gradle" | "terraform" | "ansible" | "ansible-playbook" | "pytest" | "tox" | "dotnet" | "ld" | "strip" => {
            Development
        }
        _ => Other,
    }
}

/// The category of a SQL statement, from its leading keyword.
pub fn sql_category(query: &str) -> CommandCategory {
    let keyword = query
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    let upper = query.to_ascii_uppercase();
    match keyword.as_str() {
        "CREATE" | "ALTER" | "DROP" if upper.contains(" USER ") || upper.contains(" ROLE ") => {
            CommandCategory::UserManagement
        }
        "GRANT" | "REVOKE" => CommandCategory::UserManagement,
        "SET" | "ALTER" | "CREATE" | "DROP" | "TRUNCATE" | "VACUUM" | "ANALYZE" | "REINDEX" => {
            CommandCategory::SystemConfig
        }
        "COPY" | "\\COPY" => CommandCategory::Transfer,
        _ => CommandCategory::DataAccess,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_program_behind_wrappers_and_assignments() {
        assert_eq!(first_program("sudo -u root FOO=1 /usr/bin/systemctl restart app").as_deref(), Some("systemctl"));
        assert_eq!(first_program("timeout 5 curl -s x").as_deref(), Some("curl"));
        assert_eq!(first_program("A=1 B=2 make").as_deref(), Some("make"));
        assert_eq!(first_program("   "), None);
    }

    #[test]
    fn categorises_commands_and_sql() {
        assert_eq!(shell_command_category("git pull"), CommandCategory::SourceControl);
        assert_eq!(shell_command_category("sudo apt-get install nginx"), CommandCategory::PackageManagement);
        assert_eq!(sql_category("select * from users"), CommandCategory::DataAccess);
        assert_eq!(sql_category("ALTER ROLE bob SUPERUSER"), CommandCategory::UserManagement);
        assert_eq!(sql_category("ALTER SYSTEM SET log_statement = none"), CommandCategory::SystemConfig);
        assert_eq!(sql_category("CREATE USER eve WITH PASSWORD 'x'"), CommandCategory::UserManagement);
        assert_eq!(sql_category("GRANT ALL ON db TO eve"), CommandCategory::UserManagement);
    }
}
