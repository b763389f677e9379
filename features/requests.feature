@requests
Feature: Identity, request handling and responses of Update Case
  The case is named by its 15- or 18-character Salesforce id; a body must be a JSON object
  sent as JSON; a successful PATCH answers an UpdatedResponse, a refusal a JSON error with
  a message; no request ever gets a 5xx answer.

  @ID-FORMS @must
  Scenario Outline: the case is updated through its <form>-character id
    Given a case with every field populated
    When I PATCH another field through the case's <form>-character id
    Then the PATCH succeeds
    And the fields in the body read back as sent

    Examples:
      | form |
      | 15   |
      | 18   |

  @ID-UNKNOWN @must
  Scenario: a PATCH of a well-formed id that does not exist gets 404 and creates nothing
    Given a case with every field populated
    When I PATCH a well-formed case id that does not exist
    Then the answer is 404
    And no case exists under that id

  @ID-MALFORMED @should
  Scenario Outline: a malformed case id <id> gets 400 or 404
    When I PATCH the case id "<id>"
    Then the answer is 400 or 404

    Examples:
      | id                                         |
      | not-an-id                                  |
      | 12345                                      |
      | 500000000000001AA                          |
      | 500000000000001AAAA                        |
      | 50000000000000%21AAA                       |
      | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa |

  @REQ-JSON @must
  Scenario Outline: malformed JSON <body> gets 400 and changes nothing
    Given a case with every field populated
    When I PATCH the case with the raw body <body>
    Then the PATCH is refused with 400

    Examples:
      | body                   |
      | {"description": "x",   |
      | {description: "x"}     |
      | {"description": "x"}}  |
      | {"description": 'x'}   |
      | {"a": 1,}              |

  @REQ-NOT-OBJECT @must
  Scenario Outline: the JSON body <body>, not an object, gets 400
    Given a case with every field populated
    When I PATCH the case with the raw body <body>
    Then the PATCH is refused with 400

    Examples:
      | body                      |
      | []                        |
      | "x"                       |
      | 1                         |
      | null                      |
      | [{"description": "x"}]    |

  @REQ-CONTENT-TYPE @should
  Scenario Outline: a body sent as <type> gets 415 or 400 and changes nothing
    Given a case with every field populated
    When I PATCH another field with the content type "<type>"
    Then the answer is 415 or 400
    And every field reads back unchanged

    Examples:
      | type                              |
      | text/plain                        |
      | application/x-www-form-urlencoded |
      | application/xml                   |

  @REQ-MERGE-PATCH @info
  Scenario: a body sent as application/merge-patch+json
    Given a case with every field populated
    When I PATCH another field with the content type "application/merge-patch+json"
    Then I record whether the PATCH was applied

  @REQ-NO-5XX @must @disruptive
  Scenario Outline: an abusive request, <abuse>, gets no 5xx answer
    Given a case with every field populated
    When I send an abusive PATCH: <abuse>
    Then the answer is not a 5xx

    Examples:
      | abuse                        |
      | a body over 1 MiB            |
      | JSON nested 10000 deep       |
      | invalid UTF-8                |
      | 5000 unknown fields          |
      | a number too large for float |
      | an empty body                |

  @LOC-PRECEDENCE @must
  Scenario: with both location_id and location_number, location_id wins
    Given a case with every field populated
    When I PATCH the location id of one location and the location number of another
    Then the PATCH succeeds
    And the location id reads back as the one sent

  @LOC-UNKNOWN @should
  Scenario: an unknown location number is refused
    Given a case with every field populated
    When I PATCH the location number "CASECERT-NO-SUCH-LOCATION"
    Then the PATCH is refused with a 4xx

  @RES-UPDATED @must
  Scenario Outline: a successful PATCH through the <form>-character id answers an UpdatedResponse
    Given a case with every field populated
    When I PATCH another field through the case's <form>-character id
    Then the PATCH succeeds
    And the answer is an UpdatedResponse naming the case by its 18-character id

    Examples:
      | form |
      | 15   |
      | 18   |

  @RES-ERROR @must
  Scenario Outline: a <refusal> answers JSON with a message
    Given a case with every field populated
    When I provoke a <refusal>
    Then the refusal answers a JSON error with a message

    Examples:
      | refusal            |
      | validation error   |
      | malformed JSON     |
      | unknown case       |
      | missing token      |

  @RES-CONTENT-TYPE @should
  Scenario Outline: a <answer> says application/json
    Given a case with every field populated
    When I provoke a <answer>
    Then the answer says Content-Type application/json

    Examples:
      | answer             |
      | successful PATCH   |
      | validation error   |
      | case read          |
