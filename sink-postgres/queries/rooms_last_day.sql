SELECT created.room_sid,
       created.room_name,
       created.timestamp AS created_at,
       ended.timestamp AS ended_at,
       extract(epoch FROM coalesce(ended.timestamp, now()) - created.timestamp)::bigint
           AS duration_seconds,
       (SELECT count(DISTINCT joined.participant_identity)
          FROM events joined
         WHERE joined.room_sid = created.room_sid
           AND joined.type IN ('PARTICIPANT_JOINED', 'PARTICIPANT_ACTIVE')) AS participants
  FROM events created
  LEFT JOIN LATERAL (SELECT max(e.timestamp) AS timestamp
                       FROM events e
                      WHERE e.room_sid = created.room_sid
                        AND e.type = 'ROOM_ENDED') ended ON true
 WHERE created.type = 'ROOM_CREATED'
   AND created.timestamp >= now() - interval '1 day'
 ORDER BY created.timestamp DESC;
