"""The element lists of the BBB reference's example answers (its create,
join, isMeetingRunning, end, getMeetingInfo, getMeetings, setConfigXML
examples), which the tests compare answers to."""

from __future__ import annotations

FAILED = ["returncode", "messageKey", "message"]
CREATE = ["returncode", "meetingID", "internalMeetingID", "parentMeetingID", "attendeePW",
          "moderatorPW", "createTime", "voiceBridge", "dialNumber", "createDate",
          "hasUserJoined", "duration", "hasBeenForciblyEnded"]
CREATE_AGAIN = [*CREATE, "messageKey", "message"]  # duplicateWarning
JOIN = ["returncode", "messageKey", "message", "meeting_id", "user_id", "auth_token",
        "session_token", "url"]
IS_MEETING_RUNNING = ["returncode", "running"]
END = ["returncode", "messageKey", "message"]
MEETING = ["meetingName", "meetingID", "internalMeetingID", "createTime", "createDate",
           "voiceBridge", "dialNumber", "attendeePW", "moderatorPW", "running", "duration",
           "hasUserJoined", "recording", "hasBeenForciblyEnded", "startTime", "endTime",
           "participantCount", "listenerCount", "voiceParticipantCount", "videoCount",
           "maxUsers", "moderatorCount", "attendees", "metadata", "isBreakout"]
GET_MEETING_INFO = ["returncode", *MEETING]
ATTENDEE = ["userID", "fullName", "role", "isPresenter", "isListeningOnly", "hasJoinedVoice",
            "hasVideo", "clientType"]
GET_MEETINGS = ["returncode", "meetings"]
NO_MEETINGS = ["returncode", "meetings", "messageKey", "message"]
SET_CONFIG_XML = ["returncode", "token"]
