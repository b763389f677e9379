@patch
Feature: PATCH semantics of Update Case
  PATCH /incidents/{id} is a partial update: a field left out keeps its value, a field
  sent as null is cleared, a field sent with a value takes it. Read-only fields and the
  nested persons, vehicles and items are never changed by it. Each scenario works on a
  case of its own, created with every field populated.

  @PATCH-OMIT @must
  Scenario Outline: a PATCH of <field> alone keeps every other field
    Given a case with every field populated
    When I PATCH "<field>" with a new value
    Then the PATCH succeeds
    And every field except "<field>" reads back unchanged

    @fields:readable
    Examples:
      | field |

  @PATCH-NULL @must
  Scenario Outline: null clears <field>
    Given a case with every field populated
    When I PATCH "<field>" to null
    Then the PATCH succeeds
    And "<field>" reads back as null

    @fields:null:clears,readable
    Examples:
      | field |

  @PATCH-NULL @must
  Scenario Outline: null stores false in <field>, a checkbox that cannot hold null
    Given a case whose "<field>" is true
    When I PATCH "<field>" to null
    Then "<field>" reads back as false, or the PATCH was refused with a 4xx that changed nothing

    @fields:null:false,readable
    Examples:
      | field |

  @PATCH-SET @must
  Scenario Outline: a value sent for <field> is stored
    Given a case with every field populated
    When I PATCH "<field>" with a new value
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:readable
    Examples:
      | field |

  @PATCH-MIXED @must
  Scenario: one body sets three fields, clears three and omits the rest
    Given a case with every field populated
    When I PATCH 3 fields with new values and 3 fields to null
    Then the PATCH succeeds
    And the fields in the body read back as sent
    And every field not in the body reads back unchanged

  @PATCH-READONLY @must
  Scenario Outline: read-only <field> is ignored and the rest of the body applies
    Given a case with every field populated
    When I PATCH read-only "<field>" with a different value beside a new value of another field
    Then the PATCH succeeds
    And read-only "<field>" ignored the value sent
    And the fields in the body read back as sent

    @fields:read-only
    Examples:
      | field |

  @PATCH-NESTED @must
  Scenario Outline: <field> in a PATCH body never changes the child records
    Given a case with one child of each nested kind
    When I PATCH the case with a "<field>" array
    Then the PATCH succeeds or is refused with a 4xx
    And the case's children read back unchanged

    @fields:nested
    Examples:
      | field |

  @PATCH-OWNER-KEPT @must
  Scenario: a PATCH without the owner keeps a non-default owner
    Given a case owned by a user other than the integration user
    When I PATCH another field
    Then the PATCH succeeds
    And the owner reads back unchanged

  @PATCH-DATE-KEEPS-TIME @must
  Scenario Outline: a PATCH of <field> alone keeps its local time
    Given a case whose "<field>" has a time of day
    When I PATCH "<field>" with a new value
    Then the PATCH succeeds
    And "<field>" reads back as the value sent
    And the paired local time of "<field>" reads back unchanged

    @fields:date,paired
    Examples:
      | field |

  @PATCH-OWNER-NULL @should
  Scenario Outline: null for <field>, which a case cannot lack, is refused
    Given a case with every field populated
    When I PATCH "<field>" to null
    Then the PATCH is refused with a 4xx

    @fields:!nullable
    Examples:
      | field |

  @PATCH-EMPTY @should
  Scenario: an empty body changes nothing
    Given a case with every field populated
    When I PATCH an empty object
    Then the PATCH succeeds
    And every field reads back unchanged

  @PATCH-IDEMPOTENT @should
  Scenario: the same PATCH twice leaves the same state
    Given a case with every field populated
    When I send the same PATCH of every free-text field twice
    Then the PATCH succeeds
    And every field reads back unchanged

  @PATCH-CONCURRENT @must @disruptive
  Scenario: concurrent PATCHes of different fields all persist
    Given a case with every field populated
    When 8 clients each PATCH a different field at the same time
    Then the fields in the body read back as sent

  @PATCH-AUDIT @should
  Scenario: a PATCH moves the last-modified date and never the created date
    Given a case with every field populated
    And a second has passed since the case was written
    When I PATCH another field
    Then the PATCH succeeds
    And the last-modified date has advanced and the created date is unchanged

  @PATCH-RECORDTYPE @should
  Scenario: record_type in the body does not change the record type
    Given a case with every field populated
    When I PATCH the record type with a different value
    Then the PATCH succeeds or is refused with a 4xx
    And the record type reads back unchanged

  @PATCH-UNKNOWN @info
  Scenario: an unknown extra field
    Given a case with every field populated
    When I PATCH an unknown field
    Then I record what the target did with the unknown field

  @FMT-TIME @must
  Scenario Outline: <field> accepts the local time <value>
    Given a case with every field populated
    When I PATCH "<field>" with "<value>"
    Then the PATCH succeeds
    And "<field>" reads back as the value sent

    @fields:local-time
    Examples:
      | value        |
      | 14:30:00     |
      | 14:30:00:123 |
      | 00:00:00     |
      | 23:59:59:999 |
      | 09:05:01:007 |
