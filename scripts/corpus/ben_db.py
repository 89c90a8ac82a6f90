"""Benign database sessions (postgres and mysql)."""

from dsl import db, sql, wait
from mal_db import MYSQL_HELLO, PSQL_DT, PSQL_DU

PSQL_D_ORDERS = """SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(orders)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;"""

SCENARIOS = [
    db("pg-order-lookup-support", "li.wei:support_ro@pg-shop-02/shop",
       desc="Support lookup of one customer's recent orders by email with LIMIT",
       steps=[
           sql("SELECT id, email, created_at FROM customers WHERE email = 'j.doe@example.com'"),
           sql("SELECT id, status, total, created_at FROM orders WHERE customer_id = 88121 ORDER BY created_at DESC LIMIT 10"),
           sql("SELECT status, carrier, tracking_no, updated_at FROM shipments WHERE order_id = 553108"),
       ]),

    db("pg-explain-analyze-slow-query", "sam.okafor:shop_app@pg-shop-02/shop",
       desc="Investigates a slow endpoint query with EXPLAIN ANALYZE and checks the table's indexes",
       steps=[
           sql(PSQL_D_ORDERS),
           sql("EXPLAIN (ANALYZE, BUFFERS) SELECT id, status, total FROM orders WHERE customer_id = 88121 AND status = 'shipped' ORDER BY created_at DESC LIMIT 20"),
           sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders'"),
           sql("SELECT n_live_tup, n_dead_tup, last_autovacuum, last_autoanalyze FROM pg_stat_user_tables WHERE relname = 'orders'"),
       ]),

    db("pg-create-index-concurrently", "li.wei:postgres@pg-shop-01/shop",
       desc="Adds a composite index concurrently for the slow query found earlier and analyzes the table",
       steps=[
           sql("SET lock_timeout = '5s'"),
           sql("CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_status_created_idx ON orders (customer_id, status, created_at DESC)"),
           sql("ANALYZE orders"),
           sql("EXPLAIN SELECT id, status, total FROM orders WHERE customer_id = 88121 AND status = 'shipped' ORDER BY created_at DESC LIMIT 20"),
       ]),

    db("pg-small-data-fix-transaction", "maria.lopez:shop_app@pg-shop-01/shop",
       desc="Fixes one order's wrong status inside a transaction after checking the row, per support ticket",
       steps=[
           sql("BEGIN"),
           sql("SELECT id, status, updated_at FROM orders WHERE id = 553108 FOR UPDATE"),
           sql("UPDATE orders SET status = 'delivered', updated_at = now() WHERE id = 553108 AND status = 'shipped'"),
           sql("INSERT INTO order_events (order_id, kind, note, created_by) VALUES (553108, 'status_fix', 'SUP-4412 carrier confirmed delivery', 'maria.lopez')"),
           sql("COMMIT"),
       ]),

    db("pg-vacuum-analyze", "li.wei:postgres@pg-analytics-01/analytics",
       desc="Runs VACUUM (ANALYZE) on a bloated events table after checking dead tuples",
       steps=[
           sql("SELECT relname, n_dead_tup, n_live_tup FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 5"),
           sql("VACUUM (VERBOSE, ANALYZE) events"),
           sql("SELECT pg_size_pretty(pg_total_relation_size('events'))"),
       ]),

    db("pg-replication-lag-check", "frank.nguyen:monitor@pg-shop-01/postgres",
       desc="Checks streaming replication state and lag on the primary",
       steps=[
           sql("SELECT client_addr, state, sent_lsn, replay_lsn, replay_lag FROM pg_stat_replication"),
           sql("SELECT slot_name, active, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained FROM pg_replication_slots"),
       ]),

    db("pg-activity-cancel-query", "li.wei:postgres@pg-shop-01/shop",
       risk="LOW-MEDIUM",
       desc="Finds a runaway reporting query in pg_stat_activity and cancels it with pg_cancel_backend",
       steps=[
           sql("SELECT pid, usename, state, now() - query_start AS runtime, left(query, 80) FROM pg_stat_activity WHERE state <> 'idle' ORDER BY runtime DESC LIMIT 5"),
           sql("SELECT pg_cancel_backend(41877)"),
           sql("SELECT pid, state FROM pg_stat_activity WHERE pid = 41877"),
       ]),

    db("pg-terminate-idle-in-transaction", "frank.nguyen:postgres@pg-billing-01/billing",
       risk="LOW-MEDIUM",
       desc="Terminates sessions stuck idle in transaction for over an hour that block a migration",
       steps=[
           sql("SELECT pid, usename, application_name, now() - xact_start AS xact_age FROM pg_stat_activity WHERE state = 'idle in transaction' ORDER BY xact_age DESC"),
           sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle in transaction' AND now() - xact_start > interval '1 hour' AND usename = 'billing_batch'"),
       ]),

    db("pg-migration-add-column", "sam.okafor:shop_owner@pg-shop-01/shop",
       desc="Applies a reviewed migration adding a nullable column and a default in a transaction",
       steps=[
           sql("BEGIN"),
           sql("ALTER TABLE orders ADD COLUMN shipping_method text"),
           sql("ALTER TABLE orders ALTER COLUMN shipping_method SET DEFAULT 'standard'"),
           sql("UPDATE schema_migrations SET version = '20250320_01' WHERE id = 1"),
           sql("COMMIT"),
       ]),

    db("pg-daily-orders-report", "alice.chen:reporting@pg-analytics-01/analytics",
       desc="Counts orders and revenue per day for the last two weeks for a business question",
       steps=[
           sql("SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total) AS revenue FROM orders WHERE created_at >= now() - interval '14 days' GROUP BY 1 ORDER BY 1"),
           sql("SELECT payment_method, count(*) FROM orders WHERE created_at >= now() - interval '14 days' GROUP BY 1 ORDER BY 2 DESC"),
       ]),

    db("pg-table-sizes", "li.wei:postgres@pg-shop-01/shop",
       desc="Lists the largest tables and indexes while planning storage",
       steps=[
           sql(PSQL_DT),
           sql("SELECT relname, pg_size_pretty(pg_total_relation_size(relid)) FROM pg_catalog.pg_statio_user_tables ORDER BY pg_total_relation_size(relid) DESC LIMIT 10"),
           sql("SELECT pg_size_pretty(pg_database_size(current_database()))"),
       ]),

    db("pg-grant-readonly-analyst", "li.wei:postgres@pg-analytics-01/analytics",
       risk="LOW-MEDIUM",
       desc="Per access request, creates a login role for a new analyst and grants it the existing read-only role",
       steps=[
           sql(PSQL_DU),
           sql("CREATE ROLE lfischer LOGIN PASSWORD 'SCRAM-SHA-256$4096:" + "c2FsdHNhbHQ=" + "$aGFzaA==:a2V5' VALID UNTIL '2025-09-30'"),
           sql("GRANT analytics_readonly TO lfischer"),
           sql("SELECT r.rolname, m.rolname AS member_of FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.member JOIN pg_roles m ON m.oid = am.roleid WHERE r.rolname = 'lfischer'"),
       ]),

    db("pg-gdpr-erasure", "maria.lopez:shop_owner@pg-shop-01/shop",
       risk="LOW-MEDIUM",
       desc="Executes a GDPR erasure request for one customer: anonymises the customer row and deletes saved addresses, with WHERE on the id",
       steps=[
           sql("BEGIN"),
           sql("SELECT id, email FROM customers WHERE id = 77120"),
           sql("UPDATE customers SET email = 'erased-77120@invalid', full_name = 'erased', phone = NULL, date_of_birth = NULL WHERE id = 77120"),
           sql("DELETE FROM addresses WHERE customer_id = 77120"),
           sql("INSERT INTO privacy_requests_log (customer_id, kind, ticket, done_at) VALUES (77120, 'erasure', 'PRIV-311', now())"),
           sql("COMMIT"),
       ]),

    db("pg-drop-old-partition", "li.wei:analytics_owner@pg-analytics-01/analytics",
       risk="LOW-MEDIUM",
       desc="Applies the 24-month retention policy: detaches and drops the oldest monthly events partition",
       steps=[
           sql("SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass ORDER BY 1 LIMIT 3"),
           sql("ALTER TABLE events DETACH PARTITION events_2023_02"),
           sql("DROP TABLE events_2023_02"),
       ]),

    db("pg-truncate-staging-etl", "alice.chen:etl@pg-analytics-01/analytics",
       risk="LOW-MEDIUM",
       desc="Truncates the ETL staging table before re-running a failed load, as the ETL runbook says",
       steps=[
           sql("SELECT count(*), max(loaded_at) FROM staging.partner_orders_raw"),
           sql("TRUNCATE staging.partner_orders_raw"),
           sql("SELECT count(*) FROM staging.partner_orders_raw"),
       ]),

    db("pg-sequence-fix-after-import", "sam.okafor:shop_owner@pg-shop-01/shop",
       desc="Resets a sequence after a bulk import left it behind the table's max id",
       steps=[
           sql("SELECT max(id) FROM coupons"),
           sql("SELECT last_value FROM coupons_id_seq"),
           sql("SELECT setval('coupons_id_seq', (SELECT max(id) FROM coupons))"),
       ]),

    db("pg-locks-investigation", "frank.nguyen:postgres@pg-billing-01/billing",
       desc="Looks at blocking locks during a stuck deployment",
       steps=[
           sql("SELECT blocked.pid AS blocked_pid, blocking.pid AS blocking_pid, left(blocked.query, 60) AS blocked_query FROM pg_stat_activity blocked JOIN pg_stat_activity blocking ON blocking.pid = ANY(pg_blocking_pids(blocked.pid))"),
           sql("SELECT locktype, relation::regclass, mode, granted FROM pg_locks WHERE pid = 51220"),
       ]),

    db("pg-stat-statements-top", "li.wei:postgres@pg-shop-01/shop",
       desc="Lists the most expensive statements from pg_stat_statements",
       steps=[
           sql("SELECT calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, 2) AS mean_ms, left(query, 70) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10"),
           sql("SELECT pg_stat_statements_reset()"),
       ]),

    db("mysql-processlist-kill", "wendy.zhao:dba@mysql-shop-01/shop",
       risk="LOW-MEDIUM",
       desc="Looks at the MySQL processlist and kills one long-running ad-hoc query",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SHOW FULL PROCESSLIST"),
           sql("SELECT id, user, time, left(info, 80) FROM information_schema.processlist WHERE command = 'Query' AND time > 300"),
           sql("KILL QUERY 881204"),
       ]),

    db("mysql-add-index", "wendy.zhao:dba@mysql-shop-01/shop",
       desc="Adds an index online to the orders table in MySQL after checking the plan",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("EXPLAIN SELECT id, total FROM orders WHERE customer_id = 88121 ORDER BY created_at DESC LIMIT 20"),
           sql("ALTER TABLE orders ADD INDEX idx_customer_created (customer_id, created_at), ALGORITHM=INPLACE, LOCK=NONE"),
           sql("SHOW INDEX FROM orders"),
       ]),

    db("mysql-slow-query-review", "kevin.obrien:dba@mysql-wallet-01/wallet",
       desc="Checks slow-query settings and the top digests from performance_schema",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SHOW VARIABLES LIKE 'long_query_time'"),
           sql("SELECT digest_text, count_star, round(avg_timer_wait/1e9, 1) AS avg_ms FROM performance_schema.events_statements_summary_by_digest ORDER BY sum_timer_wait DESC LIMIT 5"),
       ]),

    db("mysql-show-grants-support", "grace.kim:dba@mysql-shop-01/mysql",
       desc="Checks an application user's grants after a permission error report",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SHOW GRANTS FOR 'shop'@'10.20.%'"),
           sql("SELECT user, host, account_locked, password_last_changed FROM mysql.user WHERE user = 'shop'"),
       ]),

    db("mysql-customer-support-query", "julia.santos:support_ro@mysql-shop-02/shop",
       desc="Support agent looks up one order and its items by order number",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SELECT id, status, total, created_at FROM orders WHERE order_no = 'A-2025-553108'"),
           sql("SELECT sku, qty, price FROM order_items WHERE order_id = 553108"),
       ]),

    db("mysql-delete-spam-reviews", "carol.diaz:shop@mysql-shop-01/shop",
       risk="LOW-MEDIUM",
       desc="Deletes spam product reviews from one flagged account, checking the count first",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("SELECT count(*) FROM reviews WHERE author_id = 912044 AND flagged_spam = 1"),
           sql("DELETE FROM reviews WHERE author_id = 912044 AND flagged_spam = 1 LIMIT 500"),
           sql("UPDATE users SET review_banned = 1 WHERE id = 912044"),
       ]),

    db("mysql-analyze-optimize", "wendy.zhao:dba@mysql-wallet-01/wallet",
       desc="Refreshes statistics on two tables with ANALYZE TABLE and checks their sizes",
       protocol="mysql",
       steps=[
           sql(MYSQL_HELLO),
           sql("ANALYZE TABLE transactions, wallets"),
           sql("SELECT table_name, round((data_length + index_length) / 1024 / 1024) AS mb FROM information_schema.tables WHERE table_schema = 'wallet' ORDER BY mb DESC LIMIT 5"),
       ]),
]
