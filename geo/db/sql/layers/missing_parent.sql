-- Staged rows whose parent code names no existing feature of the parent layer.
SELECT s._row, s.{parent_column}
FROM {stage} AS s
LEFT JOIN {parent} AS p ON p.code = s.{parent_column}
WHERE p.code IS NULL
ORDER BY s._row
