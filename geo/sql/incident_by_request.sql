-- The incident stored under a client's request id.
SELECT id FROM incidents WHERE request_id = %(request_id)s
