package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Transactional message lifecycle")
class TxMessageStateTests {

    @Test
    @DisplayName("a HALF message can be committed, rolled back or parked")
    void halfMovesToEveryOtherState() {
        assertThat(TxMessageState.HALF.canMoveTo(TxMessageState.COMMITTED)).isTrue();
        assertThat(TxMessageState.HALF.canMoveTo(TxMessageState.ROLLED_BACK)).isTrue();
        assertThat(TxMessageState.HALF.canMoveTo(TxMessageState.PARKED)).isTrue();
    }

    @Test
    @DisplayName("a PARKED message can only be committed or rolled back")
    void parkedIsResolvedOnly() {
        assertThat(TxMessageState.PARKED.canMoveTo(TxMessageState.COMMITTED)).isTrue();
        assertThat(TxMessageState.PARKED.canMoveTo(TxMessageState.ROLLED_BACK)).isTrue();
        assertThat(TxMessageState.PARKED.canMoveTo(TxMessageState.HALF)).isFalse();
        assertThat(TxMessageState.PARKED.canMoveTo(TxMessageState.PARKED)).isFalse();
    }

    @Test
    @DisplayName("COMMITTED and ROLLED_BACK are final, and moving on from them fails loudly")
    void decidedStatesAreFinal() {
        for (TxMessageState decided : new TxMessageState[] {TxMessageState.COMMITTED, TxMessageState.ROLLED_BACK}) {
            assertThat(decided.isFinal()).isTrue();
            for (TxMessageState next : TxMessageState.values()) {
                assertThat(decided.canMoveTo(next)).as("%s -> %s", decided, next).isFalse();
                assertThatThrownBy(() -> decided.moveTo(next)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(decided.name());
            }
        }
        assertThat(TxMessageState.HALF.isFinal()).isFalse();
        assertThat(TxMessageState.PARKED.isFinal()).isFalse();
    }

    @Test
    @DisplayName("nothing goes back to HALF")
    void nothingReturnsToHalf() {
        for (TxMessageState state : TxMessageState.values()) {
            assertThat(state.canMoveTo(TxMessageState.HALF)).as("%s -> HALF", state).isFalse();
        }
    }

    @Test
    @DisplayName("a commit decides COMMITTED, a rollback ROLLED_BACK")
    void decisionsTargetTheirStates() {
        assertThat(Decision.COMMIT.target()).isEqualTo(TxMessageState.COMMITTED);
        assertThat(Decision.ROLLBACK.target()).isEqualTo(TxMessageState.ROLLED_BACK);
    }
}
