-- Loading speed: the users-by-time index of launches cost more to maintain while loading than
-- it saved the first-session queries, which read one app's sessions in (app_id, started_at)
-- order through launches_app_time_idx.
DROP INDEX launches_app_user_time_idx;
