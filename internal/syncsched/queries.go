package syncsched

// All of the schedules' SQL lives in this file. It is portable: $n placeholders, RETURNING and
// ON CONFLICT work on both SQLite and PostgreSQL. Every statement filters on account_id; the
// tick's search for due schedules is the one read across accounts, and each claim it makes
// names the account again.

const scheduleColumns = `id, account_id, expression, time_zone, steps, enabled, next_at, last_slot_at,
	last_run_id, last_result, created_at, updated_at, version`

const (
	sqlSelectSchedules = `SELECT ` + scheduleColumns + ` FROM sync_schedules`

	sqlInsertSchedule = `INSERT INTO sync_schedules (account_id, expression, time_zone, steps, enabled, next_at,
	created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id`

	sqlUpdateSchedule = `UPDATE sync_schedules SET expression = $3, time_zone = $4, steps = $5, enabled = $6,
	next_at = $7, updated_at = $8, version = version + 1
WHERE account_id = $1 AND id = $2 AND version = $9`

	sqlDeleteSchedule = `DELETE FROM sync_schedules WHERE account_id = $1 AND id = $2`

	sqlClaimDefault = `INSERT INTO sync_schedule_defaults (account_id, created_at) VALUES ($1, $2)
ON CONFLICT (account_id) DO NOTHING`

	sqlCountSchedules = `SELECT count(*) FROM sync_schedules WHERE account_id = $1`

	// The schedules due at $1, earliest first.
	sqlSelectDue = `SELECT id, account_id, expression, time_zone, steps, next_at, version FROM sync_schedules
WHERE enabled AND next_at <= $1
ORDER BY next_at, id
LIMIT $2`

	// The claim: the slot is this tick's only if next_at and the version are still what it read.
	sqlClaimSlot = `UPDATE sync_schedules SET next_at = $5, last_slot_at = $3
WHERE account_id = $1 AND id = $2 AND enabled AND next_at = $3 AND version = $4`

	sqlRecordResult = `UPDATE sync_schedules SET last_run_id = $3, last_result = $4
WHERE account_id = $1 AND id = $2`
)
