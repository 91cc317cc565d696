-- An answer about a link (the link with its first charges, or a page of its
-- charges) is kept by the server with the link row's `xmin`, and served
-- again while that is unchanged. A payment, a deletion and a completion of
-- a single-use link's charge update the row already; this makes every other
-- change to one of its charges (a refund, a 3-D Secure charge completed or
-- expired) update it too, in the same transaction.
CREATE FUNCTION paylink_touch_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE links SET charge_count = charge_count WHERE id = NEW.link_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER charges_touch_link AFTER UPDATE ON charges
    FOR EACH ROW EXECUTE FUNCTION paylink_touch_link();
