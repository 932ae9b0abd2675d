-- Usage benchmark fixture (SQLite and PostgreSQL): :user gets 100,000 entries over 2025
-- (one every 315 s, 4 minutes long); each of the :class users gets 2,190 (one every 4 h).
-- Run by scripts/bench.sh with the ids substituted.
WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO usage_entries (user_id, action, details, source, started_ms, last_seen_ms, ended_ms, end_reason, heartbeats)
SELECT @USER@, CASE i % 3 WHEN 0 THEN 'reading' WHEN 1 THEN 'maths' ELSE 'art' END, NULL, 'v1',
       1735689600000 + i * 315000, 1735689600000 + i * 315000, 1735689600000 + i * 315000 + 240000, 'stopped', 0
FROM n;
WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < 2189)
INSERT INTO usage_entries (user_id, action, details, source, started_ms, last_seen_ms, ended_ms, end_reason, heartbeats)
SELECT s.user_id, 'reading', NULL, 'v1', 1735689600000 + i * 14400000 + s.id * 1000,
       1735689600000 + i * 14400000 + s.id * 1000, 1735689600000 + i * 14400000 + s.id * 1000 + 1800000, 'stopped', 0
FROM n CROSS JOIN students s WHERE s.class_level = 7 AND s.user_id IS NOT NULL;
