"""URL prefixes that one dialect shows for another (the enterprise API's
company/get gives the rooms API's base URL): named once, here, so that the
dialects need not import each other."""

ROOMS_API_PREFIX = "/api/rooms/v1"
BBB_API_PREFIX = "/bigbluebutton/api/"  # what BBB clients take as their server URL
