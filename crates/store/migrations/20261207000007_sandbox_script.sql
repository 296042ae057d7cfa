-- What a test call's sandbox callee says (`sandbox.callee_lines` on POST /v1/calls), as JSON.
ALTER TABLE calls ADD COLUMN sandbox TEXT;
