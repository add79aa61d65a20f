SELECT s.kind,
       round(avg(s.score)::numeric, 2)::float8 AS average_score,
       round(min(s.min_score)::numeric, 2)::float8 AS worst_score,
       count(*) AS samples
  FROM stats s
 WHERE s.participant_sid IN (SELECT e.participant_sid
                               FROM events e
                              WHERE e.participant_identity = $1
                                AND e.type = 'PARTICIPANT_ACTIVE')
   AND s.timestamp >= now() - interval '7 days'
 GROUP BY s.kind
 ORDER BY s.kind;
